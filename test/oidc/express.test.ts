import { describeConformance } from "./suite.js";

describeConformance("express", [["endpoint", false]]);
