using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Sample.Console;

/// <summary>
/// The command line: <c>--server URL --prompt TEXT [--entities A,B]</c> starts a generation; <c>--iterate ID --prompt TEXT</c>
/// iterates on a finished one and <c>--retry ID</c> retries a failed or cancelled one, both with its control token
/// (<c>--control-token</c>, or the <see cref="ControlTokenVariable"/> environment variable, which keeps it out of the
/// process list and the shell history). <c>--review plan|phases|plan,phases</c> stops the run for the user's review.
/// <c>--watch-many N --prompt TEXT</c> starts N generations and watches them all over one connection.
/// </summary>
internal sealed record ConsoleArguments(Uri Server, string? Prompt, IReadOnlyList<string> Entities, string? ParentId)
{
    public const string DefaultServer = "http://127.0.0.1:5000";

    public const string ControlTokenVariable = "ITERATION_CONTROL_TOKEN";

    /// <summary>The most generations <c>--watch-many</c> starts (the server's per-stream limit is far above it).</summary>
    public const int MaxWatchMany = 20;

    public const string Usage = """
        Usage: dotnet run --project samples/Iteration.Streaming.Sample.Console -- \
                 --server http://127.0.0.1:5000 --prompt "A task tracker" [--entities User,Task]
               ... --server URL --iterate <generation id> --prompt "Add due dates" --control-token <token>
               ... --server URL --retry <generation id> --control-token <token>
               (--iterate and --retry need the generation's control token: --control-token, or ITERATION_CONTROL_TOKEN set)
               add --review plan,phases to any of them to approve the plan and each phase before the run goes on
               ... --server URL --watch-many 3 --prompt "A task tracker" [--entities User,Task]

          --server         the sample web host (default http://127.0.0.1:5000)
          --prompt         what to generate; with --iterate, the modification prompt
          --entities       comma-separated entities, one phase each
          --iterate        iterate on a finished generation instead of starting a new one (needs its control token)
          --retry          retry a failed or cancelled generation, reusing the phases it saved (needs its control token)
          --control-token  the control token of the generation to iterate on or retry (printed when it was started);
                           or set ITERATION_CONTROL_TOKEN, which keeps it out of the process list and shell history
          --watch-many     start this many generations (2 to 20) of the prompt and watch them all over one
                           connection (one multiplexed stream): a line per event, tagged with the generation
          --review         where the run stops for your review: plan (once the plan is made, before any phase),
                           phases (after each phase is saved), or plan,phases (both). At each stop the console
                           shows the plan's phases or the phase's saved files and asks: Enter approves, c cancels,
                           any other text is an instruction for the next phases (approved with it).
                           When stdin is not a terminal (redirected), every stop is approved automatically.
          --help           this text
        """;

    /// <summary>True for <c>--help</c> or <c>-h</c> alone: print <see cref="Usage"/> and exit 0.</summary>
    public static bool IsHelp(IReadOnlyList<string> args) => args is ["--help" or "-h"];

    private static readonly string[] Options = ["--server", "--prompt", "--entities", "--iterate", "--retry", "--control-token", "--review", "--watch-many"];

    /// <summary>For <c>--retry</c>, the generation to retry.</summary>
    public string? RetryId { get; init; }

    /// <summary>The control token of the generation to iterate on or retry.</summary>
    public string? ControlToken { get; init; }

    /// <summary>The review gates (<c>--review</c>); <see langword="null"/> for none of the console's own.</summary>
    public ReviewRequest? Review { get; init; }

    /// <summary>For <c>--watch-many</c>, how many generations to start and watch over one connection.</summary>
    public int? WatchMany { get; init; }

    /// <summary>Parses the command line; <paramref name="environmentControlToken"/> is used when <c>--control-token</c> is absent.</summary>
    /// <exception cref="ArgumentException">An option is unknown, repeated or has no value, or a value is not valid; the message says which.</exception>
    public static ConsoleArguments Parse(IReadOnlyList<string> args, string? environmentControlToken = null)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i += 2)
        {
            var option = args[i];
            if (!Options.Contains(option, StringComparer.Ordinal))
            {
                throw new ArgumentException($"Unknown option '{option}'.");
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"{option} needs a value.");
            }

            if (!values.TryAdd(option, args[i + 1]))
            {
                throw new ArgumentException($"{option} is given twice.");
            }
        }

        var server = values.GetValueOrDefault("--server", DefaultServer);
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"--server must be an http(s) URL, but was '{server}'.");
        }

        var prompt = values.GetValueOrDefault("--prompt");
        var parent = values.GetValueOrDefault("--iterate");
        var retry = values.GetValueOrDefault("--retry");
        var controlToken = values.GetValueOrDefault("--control-token") ?? (string.IsNullOrWhiteSpace(environmentControlToken) ? null : environmentControlToken.Trim());
        var review = values.TryGetValue("--review", out var gates) ? ParseReview(gates) : null;
        if (retry is not null)
        {
            if (string.IsNullOrWhiteSpace(retry))
            {
                throw new ArgumentException("--retry needs a generation id.");
            }

            if (prompt is not null || parent is not null || values.ContainsKey("--entities") || values.ContainsKey("--watch-many"))
            {
                throw new ArgumentException("--retry takes no --prompt, --entities, --iterate or --watch-many: a retry repeats the generation's own request.");
            }

            return new ConsoleArguments(uri, null, [], null) { RetryId = retry, ControlToken = RequireControlToken(controlToken, "--retry"), Review = review };
        }

        if (string.IsNullOrWhiteSpace(prompt))
        {
            throw new ArgumentException("--prompt is required.");
        }

        if (values.TryGetValue("--watch-many", out var many))
        {
            if (!int.TryParse(many, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) || count is < 2 or > MaxWatchMany)
            {
                throw new ArgumentException($"--watch-many takes a number of generations from 2 to {MaxWatchMany}, but was '{many}'.");
            }

            if (parent is not null || values.ContainsKey("--control-token") || review is not null)
            {
                throw new ArgumentException("--watch-many takes no --iterate, --control-token or --review: it starts new generations and only watches them.");
            }

            var started = values.GetValueOrDefault("--entities", string.Empty)
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return new ConsoleArguments(uri, prompt, started, null) { WatchMany = count };
        }

        if (parent is not null && values.ContainsKey("--entities"))
        {
            throw new ArgumentException("--entities does not apply to --iterate: an iteration keeps its parent's entities.");
        }

        if (parent is not null && string.IsNullOrWhiteSpace(parent))
        {
            throw new ArgumentException("--iterate needs a generation id.");
        }

        if (parent is null && values.ContainsKey("--control-token"))
        {
            throw new ArgumentException("--control-token applies only to --iterate and --retry.");
        }

        var entities = values.GetValueOrDefault("--entities", string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new ConsoleArguments(uri, prompt, entities, parent)
        {
            ControlToken = parent is null ? null : RequireControlToken(controlToken, "--iterate"),
            Review = review,
        };
    }

    /// <summary><c>plan</c>, <c>phases</c> or both, comma-separated, in any order.</summary>
    private static ReviewRequest ParseReview(string value)
    {
        var gates = value.Split(',', StringSplitOptions.TrimEntries);
        if (gates.Length is 0 or > 2 || gates.Any(g => g is not ("plan" or "phases")) || gates.Distinct(StringComparer.Ordinal).Count() != gates.Length)
        {
            throw new ArgumentException($"--review takes plan, phases or plan,phases, but was '{value}'.");
        }

        return new ReviewRequest
        {
            Plan = gates.Contains("plan", StringComparer.Ordinal) ? true : null,
            AfterPhases = gates.Contains("phases", StringComparer.Ordinal) ? PhaseSelection.All : null,
        };
    }

    private static string RequireControlToken(string? token, string option)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new ArgumentException(
                $"{option} needs the generation's control token: pass --control-token, or set {ControlTokenVariable} (printed when the generation was started).");
        }

        if (token.Any(c => c is <= ' ' or > '~'))
        {
            throw new ArgumentException("The control token is printable ASCII without spaces.");
        }

        return token;
    }
}
