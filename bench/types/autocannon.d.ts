/**
 * The part of autocannon's programmatic API the benchmarks use. autocannon
 * ships no type declarations; shapes are from its README ("Results").
 */
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Seconds before a request counts as timed out. */
      timeout?: number;
      headers?: Record<string, string>;
      method?: string;
      /** Requests in flight per connection. */
      pipelining?: number;
      /** Stop after this many requests (overrides duration). */
      amount?: number;
      /** Cycled in order; `setupRequest` may rewrite each one before it is sent. */
      requests?: { setupRequest?: (request: RawRequest) => RawRequest }[];
    }

    interface RawRequest {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
    }

    /** An hdr-histogram-percentiles-obj summary. */
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
    }

    interface Result {
      /** Requests per second, sampled each second. */
      requests: Histogram;
      /** Milliseconds per request. */
      latency: Histogram;
      /** Seconds. */
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
    }
  }

  /** Without a callback the returned instance is also a promise of the result. */
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export = autocannon;
}
