namespace Iteration.Streaming.Sample.Console;

/// <summary>
/// The "Next:" hint printed when a run ends: the command that iterates on it (completed) or retries it (otherwise),
/// against the same server, ready to paste.
/// </summary>
internal static class NextCommand
{
    private const string Run = "dotnet run --project samples/Iteration.Streaming.Sample.Console --";

    /// <summary>The hint line. The control token is printed only to a terminal: a redirected output often ends up in a log file.</summary>
    public static string Describe(Uri server, string generationId, bool completed, string? controlToken, bool outputRedirected)
    {
        var action = completed
            ? $"--iterate {generationId} --prompt \"<what to change>\""
            : $"--retry {generationId}";
        var command = $"{Run} --server {server.ToString().TrimEnd('/')} {action}";
        return outputRedirected || string.IsNullOrEmpty(controlToken)
            ? $"Next: {ConsoleArguments.ControlTokenVariable}=<this generation's control token> {command} (the token is not printed: output is redirected)"
            : $"Next: {ConsoleArguments.ControlTokenVariable}={controlToken} {command}";
    }
}
