namespace Iteration.Streaming.Sample.Console;

/// <summary>The command line: --server URL --prompt TEXT [--entities A,B] [--iterate PARENT_ID].</summary>
internal sealed record ConsoleArguments(Uri Server, string Prompt, IReadOnlyList<string> Entities, string? ParentId)
{
    public const string DefaultServer = "http://127.0.0.1:5000";

    public const string Usage = """
        Usage: dotnet run --project samples/Iteration.Streaming.Sample.Console -- \
                 --server http://127.0.0.1:5000 --prompt "A task tracker" [--entities User,Task] [--iterate <generation id>]

          --server    the sample web host (default http://127.0.0.1:5000)
          --prompt    what to generate; with --iterate, the modification prompt
          --entities  comma-separated entities, one phase each
          --iterate   iterate on a finished generation instead of starting a new one
        """;

    /// <summary>Parses the command line.</summary>
    /// <exception cref="ArgumentException">An option is unknown, repeated or has no value, or a value is not valid; the message says which.</exception>
    public static ConsoleArguments Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i += 2)
        {
            var option = args[i];
            if (option is not ("--server" or "--prompt" or "--entities" or "--iterate"))
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

        var prompt = values.GetValueOrDefault("--prompt");
        if (string.IsNullOrWhiteSpace(prompt))
        {
            throw new ArgumentException("--prompt is required.");
        }

        var server = values.GetValueOrDefault("--server", DefaultServer);
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"--server must be an http(s) URL, but was '{server}'.");
        }

        var parent = values.GetValueOrDefault("--iterate");
        if (parent is not null && values.ContainsKey("--entities"))
        {
            throw new ArgumentException("--entities does not apply to --iterate: an iteration keeps its parent's entities.");
        }

        if (parent is not null && string.IsNullOrWhiteSpace(parent))
        {
            throw new ArgumentException("--iterate needs a generation id.");
        }

        var entities = values.GetValueOrDefault("--entities", string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new ConsoleArguments(uri, prompt, entities, parent);
    }
}
