import { RISKS, type Risk } from "../enums.js";

/** Negative when a is lower than b, on none < possible < likely < confirmed. */
export function compareRisk(a: Risk, b: Risk): number {
  return RISKS.indexOf(a) - RISKS.indexOf(b);
}

/** The highest of the given risks; "none" when there are none. */
export function maxRisk(...risks: readonly Risk[]): Risk {
  let best: Risk = "none";
  for (const r of risks) if (compareRisk(r, best) > 0) best = r;
  return best;
}
