namespace Iteration.Streaming.Sample.Console;

/// <summary>The command line: --server URL --prompt TEXT [--entities A,B] [--iterate PARENT_ID].</summary>
internal sealed record ConsoleArguments(Uri Server, string Prompt, IReadOnlyList<string> Entities, string? ParentId)
{
    public const string Usage = """
        Usage: dotnet run --project samples/Iteration.Streaming.Sample.Console -- \
                 --server http://127.0.0.1:5000 --prompt "A task tracker" [--entities User,Task] [--iterate <generation id>]

          --server    the sample web host (default http://127.0.0.1:5000)
          --prompt    what to generate; with --iterate, the modification prompt
          --entities  comma-separated entities, one phase each
          --iterate   iterate on a finished generation instead of starting a new one
        """;

    public static ConsoleArguments Parse(string[] args)
    {
        var server = "http://127.0.0.1:5000";
        string? prompt = null;
        string? entities = null;
        string? parent = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--server": server = value; break;
                case "--prompt": prompt = value; break;
                case "--entities": entities = value; break;
                case "--iterate": parent = value; break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'.");
            }

            i++;
        }

        if (string.IsNullOrWhiteSpace(prompt))
        {
            throw new ArgumentException("--prompt is required.");
        }

        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"--server must be an http(s) URL, but was '{server}'.");
        }

        var list = (entities ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new ConsoleArguments(uri, prompt, list, parent);
    }
}
