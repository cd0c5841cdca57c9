import { describeConformance } from "./suite.js";

describeConformance("koa");
