using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Iteration.Streaming.TestHost.Responses;

/// <summary>
/// The fake model's answer to one phase: a deterministic function of the phase named in the prompt ("phase 2 of 4"),
/// written in the generator's exchange format (<c>&lt;file path="…"&gt;…&lt;/file&gt;</c>), and streamed in deltas of
/// <see cref="DeltaLength"/> characters. Tests compute the same answer to compare files and to place cuts.
/// </summary>
public sealed partial class ResponsesAnswer
{
    private readonly int[] _contentStarts;

    private ResponsesAnswer(int phase, IReadOnlyList<(string Path, string Content)> files, int deltaLength)
    {
        Phase = phase;
        Files = files;
        DeltaLength = deltaLength;
        var text = new StringBuilder();
        _contentStarts = new int[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            text.Append("<file path=\"").Append(files[i].Path).Append("\">\n");
            _contentStarts[i] = text.Length;
            text.Append(files[i].Content).Append("</file>\n");
        }

        Text = text.ToString();
    }

    /// <summary>The phase it answers (0 when the prompt named none).</summary>
    public int Phase { get; }

    /// <summary>The files, in the order the answer writes them.</summary>
    public IReadOnlyList<(string Path, string Content)> Files { get; }

    /// <summary>The whole answer text.</summary>
    public string Text { get; }

    /// <summary>How many characters one <c>response.output_text.delta</c> carries.</summary>
    public int DeltaLength { get; }

    /// <summary>The deltas the answer streams, in order.</summary>
    public IReadOnlyList<string> Deltas() => [.. Text.Chunk(DeltaLength).Select(static c => new string(c))];

    /// <summary>The answer's output tokens as the fake bills them: one per 4 characters, rounded up.</summary>
    public static long Tokens(long characters) => (characters + 3) / 4;

    /// <summary>
    /// The answer to a prompt: the phase it names ("phase 2 of 4") gets <paramref name="filesPerPhase"/> files of about
    /// <paramref name="fileLength"/> characters each.
    /// </summary>
    public static ResponsesAnswer ForPrompt(string prompt, int filesPerPhase = 3, int fileLength = 2_000, int deltaLength = 40)
    {
        var match = PhaseName().Match(prompt);
        var phase = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return ForPhase(phase, filesPerPhase, fileLength, deltaLength);
    }

    /// <summary>The answer to phase <paramref name="phase"/>, as <see cref="ForPrompt"/> builds it.</summary>
    public static ResponsesAnswer ForPhase(int phase, int filesPerPhase = 3, int fileLength = 2_000, int deltaLength = 40)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(phase);
        ArgumentOutOfRangeException.ThrowIfLessThan(filesPerPhase, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(fileLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(deltaLength, 1);
        var files = new List<(string, string)>();
        for (var f = 1; f <= filesPerPhase; f++)
        {
            var content = new StringBuilder();
            for (var line = 1; content.Length < fileLength; line++)
            {
                // No '<' in the content: the parser never holds a possible closing tag back, so live offsets are exact.
                content.Append(CultureInfo.InvariantCulture, $"// phase {phase} file {f} line {line:D4}: export const value{line} = {phase * 1000 + f * 100 + line}; // café\n");
            }

            files.Add(($"src/phase-{phase}/file-{f}.ts", content.ToString()));
        }

        return new ResponsesAnswer(phase, files, deltaLength);
    }

    /// <summary>
    /// A cut point at about <paramref name="fraction"/> of the answer: the end of a delta that falls inside a file's
    /// content (never in a tag), with the file being written there and how many of its characters came before it.
    /// </summary>
    public ResponsesCut CutAt(double fraction)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1.0);
        var target = (int)(Text.Length * fraction);
        for (var end = Math.Max(DeltaLength, target / DeltaLength * DeltaLength); end < Text.Length; end += DeltaLength)
        {
            for (var i = 0; i < Files.Count; i++)
            {
                var start = _contentStarts[i];
                // Strictly inside the content, and not at its last characters (the closing tag follows them).
                if (end > start && end < start + Files[i].Content.Length)
                {
                    return new ResponsesCut(end, i, Files[i].Path, end - start);
                }
            }
        }

        throw new ArgumentOutOfRangeException(nameof(fraction), "No delta ends inside a file after that point.");
    }

    [GeneratedRegex(@"phase (\d{1,4}) of \d{1,4}", RegexOptions.CultureInvariant)]
    private static partial Regex PhaseName();
}
