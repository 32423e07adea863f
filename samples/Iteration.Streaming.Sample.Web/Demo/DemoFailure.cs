using System.Globalization;
using System.Text.RegularExpressions;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Sample.Web.Demo;

/// <summary>
/// The failure markers a prompt may carry: <c>[fail:phase=N]</c> fails phase N of the original run only (a retry or a
/// resumed run succeeds, like a transient failure), <c>[fail-always:phase=N]</c> fails it on every attempt, and
/// <c>[crash:phase=N]</c> throws an internal exception whose message holds a fake secret that must never reach a client.
/// </summary>
internal static partial class DemoFailure
{
    /// <summary>The fake connection string of <c>[crash:phase=N]</c>; tests check it never leaves the server's log.</summary>
    public const string FakeSecret = "Server=db.internal;User Id=app;Password=hunter2";

    public static DemoFailureKind? At(PhaseContext context)
    {
        var prompt = context.ModificationPrompt ?? context.Prompt;
        if (Find(prompt, "crash") == context.Phase.Number)
        {
            return DemoFailureKind.Crash;
        }

        if (Find(prompt, "fail-always") == context.Phase.Number)
        {
            return DemoFailureKind.Fail;
        }

        var original = context.RetryOf is null && context.Attempt == 1;
        return original && Find(prompt, "fail") == context.Phase.Number ? DemoFailureKind.Fail : null;
    }

    /// <summary>The prompt without its markers, so they never show up in generated names or files.</summary>
    public static string WithoutMarker(string prompt) => Marker().Replace(prompt, string.Empty);

    public static Exception Create(DemoFailureKind kind, PhaseContext context) => kind == DemoFailureKind.Crash
        ? new InvalidOperationException($"The demo model's database is unreachable ({FakeSecret}).")
        : new GenerationFailedException(
            $"The demo model gave up in phase {context.Phase.Number} ({context.Phase.Name}) as the prompt asked.");

    private static int? Find(string? prompt, string kind)
    {
        if (prompt is null)
        {
            return null;
        }

        foreach (Match match in Marker().Matches(prompt))
        {
            if (match.Groups[1].Value == kind)
            {
                return int.Parse(match.Groups[2].ValueSpan, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    [GeneratedRegex(@"\[(fail|fail-always|crash):phase=(\d{1,3})\]", RegexOptions.CultureInvariant)]
    private static partial Regex Marker();
}

/// <summary>How a demo phase fails.</summary>
internal enum DemoFailureKind
{
    /// <summary>A failure the generator explains to the user (<see cref="GenerationFailedException"/>).</summary>
    Fail,

    /// <summary>An internal exception: the user sees a generic message with a reference.</summary>
    Crash,
}
