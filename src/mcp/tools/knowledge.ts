import { searchKnowledgeInput } from "../../domain/inputs.js";
import { searchKnowledgeOutput } from "../outputs.js";
import { defineTool } from "../tool.js";

export const searchKnowledge = defineTool({
  name: "search_knowledge",
  title: "Search knowledge articles",
  description:
    "Ranked search (BM25 over title, tags and body) of the support knowledge base: policies and troubleshooting " +
    "guides. Query with the ticket's key facts; cite the ids you rely on in knowledgeArticleIds.",
  kind: "read",
  toolset: "knowledge",
  input: searchKnowledgeInput,
  output: searchKnowledgeOutput,
  handler: (args, { service }) => {
    const notice = service.knowledgeNotice();
    return {
      articles: service.searchKnowledge(args.query, args.limit).map((hit) => ({
        ...hit.article,
        score: hit.score,
        snippet: hit.snippet,
      })),
      ...(notice === undefined ? {} : { notice }),
    };
  },
});
