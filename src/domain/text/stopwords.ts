// A compact English stopword list: function words that carry no topic. Kept short on purpose:
// words such as "down", "cannot" or "again" stay searchable because support text leans on them
// ("site is down", "cannot sign in"), and IDF already discounts whatever is merely common.
const WORDS = `
a about above after all also am an and any are as at be because been before being below
between both but by can could did do does doing dont during each either etc few for from
further had has have having he her here hers herself him himself his how however i if im in
into is isnt it its itself ive just let lets may me might mine more most must my myself neither no nor not of off
on once only or other our ours ourselves out over own please same she should so some such
shall than that thats the their theirs them themselves then there these they this those through
thus to too under until upon us very was we were what when where whether which while who
whom whose why will with within would you your yours yourself yourselves hi hello hey thanks
thank regards dear kind
`;

export const STOPWORDS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter((w) => w.length > 0));

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word);
}
