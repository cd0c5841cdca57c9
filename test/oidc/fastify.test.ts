import { describeConformance } from "./suite.js";

describeConformance("fastify");
