import { run } from "./run.js";

/**
 * The `jellyfish` executable: binds run() to this process. The exit status
 * is set rather than forced with process.exit(), so that output still
 * queued for a pipe is written before Node exits.
 */

// `jellyfish cert list | head` closes stdout early; that is the reader's
// choice, not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await run(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
