export { displayFold, foldWord, isAscii, normalizeText, stripDiacritics } from "./normalize.js";
export { stem } from "./stem.js";
export { STOPWORDS, isStopword } from "./stopwords.js";
export {
  MAX_TERM_LENGTH,
  WORD_APOSTROPHE,
  WORD_NON_ASCII,
  WORD_UPPER,
  scanKeys,
  termOfKey,
  type KeySink,
  type WordSink,
  TextAnalyzer,
  scanWords,
  surfaceForms,
  terms,
  tokenize,
  type Token,
  type TokenSink,
} from "./tokenize.js";
export {
  PART_UNITS,
  WORD_UNITS,
  keyHash,
  scanTicketKeys,
  ticketKeys,
  type TicketKeySink,
} from "./compounds.js";
