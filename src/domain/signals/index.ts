export { detectSignals, hasInjection, riskFloors } from "./detect.js";
export { compareRisk, maxRisk } from "./risk.js";
export { SIGNAL_RULES, signalRule, type SignalRule, type SignalRuleId } from "./rules.js";
export {
  MAX_EXCERPT,
  SIGNAL_FIELDS,
  SIGNAL_KINDS,
  signalFieldSchema,
  signalKindSchema,
  signalSchema,
  signalSpanSchema,
  type Signal,
  type SignalField,
  type SignalInput,
  type SignalKind,
  type SignalSpan,
} from "./types.js";
