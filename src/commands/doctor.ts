import type { Context } from '../context.js';

export interface DoctorOptions {
  config?: string;
  envFile?: string;
  json?: boolean;
  quiet?: boolean;
}

export async function doctor(ctx: Context, options: DoctorOptions): Promise<void> {
  ctx.stdout(JSON.stringify(options));
}
