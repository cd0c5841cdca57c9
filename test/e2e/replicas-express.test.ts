import { replicaSuite } from './replicas-suite.js';

// Contract §7 on express: see replicas-suite.ts. One file per framework so vitest can run them side by side.
replicaSuite('express');
