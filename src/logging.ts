// One stderr logger for the whole process: stdout is reserved for the MCP protocol.
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createStderrLogger(prefix = "support-triage"): Logger {
  const write = (level: string, message: string): void => {
    process.stderr.write(`[${prefix}] ${level}: ${message}\n`);
  };
  return {
    info: (m) => write("info", m),
    warn: (m) => write("warn", m),
    error: (m) => write("error", m),
  };
}

/** A logger that keeps messages in memory, for tests and quiet CLIs. */
export function createMemoryLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}
