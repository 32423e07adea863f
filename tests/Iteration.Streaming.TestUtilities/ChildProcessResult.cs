namespace Iteration.Streaming.TestUtilities;

/// <summary>How a child process ended (<see cref="ChildProcess.RunAsync"/>): its exit code and what it printed.</summary>
/// <param name="ExitCode">The process's exit code.</param>
/// <param name="Output">Standard output and standard error together, a line each, in the order they arrived.</param>
/// <param name="StandardOutput">The lines of standard output.</param>
/// <param name="StandardError">The lines of standard error.</param>
public sealed record ChildProcessResult(int ExitCode, string Output, IReadOnlyList<string> StandardOutput, IReadOnlyList<string> StandardError);
