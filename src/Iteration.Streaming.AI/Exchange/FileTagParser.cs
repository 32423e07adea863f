using System.Text;

namespace Iteration.Streaming.AI.Exchange;

/// <summary>
/// Reads the exchange format incrementally: <c>&lt;file path="relative/path"&gt;</c> content <c>&lt;/file&gt;</c>.
/// Text arrives in chunks cut anywhere (inside a tag, between <c>\r</c> and <c>\n</c>, inside a surrogate pair) and
/// gives the same files as the whole text at once.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>An open tag is exactly <c>&lt;file path="</c>, a path of at most <see cref="MaxPathLength"/> characters
/// without <c>"</c>, <c>&lt;</c>, <c>&gt;</c> or control characters, then <c>"&gt;</c>. Anything else, and all text
/// outside tags, is ignored.</item>
/// <item>The path is given in Unicode normalisation form C (NFC), however the model composed its characters.</item>
/// <item>The content is everything up to the first <c>&lt;/file&gt;</c>, verbatim, except one line break
/// (<c>\n</c> or <c>\r\n</c>) right after the open tag, which is dropped. The line break before the closing tag is
/// kept: it is the file's last line break.</item>
/// <item>Only the undecided tail (a possible tag, at most <see cref="MaxPathLength"/> plus a few characters) is held
/// back between chunks; the rest of a file's content goes straight to the file.</item>
/// </list>
/// </remarks>
internal sealed class FileTagParser
{
    /// <summary>The start of an open tag, up to the path.</summary>
    public const string OpenTagStart = "<file path=\"";

    /// <summary>The end of an open tag, after the path.</summary>
    public const string OpenTagEnd = "\">";

    /// <summary>The closing tag.</summary>
    public const string CloseTag = "</file>";

    /// <summary>The longest path an open tag may hold; a longer one makes it text.</summary>
    public const int MaxPathLength = 4_096;

    private string _pending = string.Empty;
    private StringBuilder? _content;
    private bool _atContentStart;

    /// <summary>A parser at the start of an answer.</summary>
    public FileTagParser()
    {
    }

    /// <summary>
    /// A parser exactly where another stood (its <see cref="CurrentPath"/>, text, <see cref="Pending"/>, counts): inside <paramref name="currentPath"/> with
    /// <paramref name="currentText"/> so far (or between files when it is <see langword="null"/>), holding
    /// <paramref name="pending"/> back, so the rest of the answer gives the same files as the whole answer would have.
    /// </summary>
    /// <exception cref="ArgumentException">The state is impossible (text between files, negative counts, a pending text longer than a tag).</exception>
    public FileTagParser(string? currentPath, string currentText, string pending, bool atContentStart, long totalLength, int fileCount)
    {
        ArgumentNullException.ThrowIfNull(currentText);
        ArgumentNullException.ThrowIfNull(pending);
        if (currentPath is null && (currentText.Length > 0 || atContentStart))
        {
            throw new ArgumentException("Between files there is no current text.", nameof(currentText));
        }

        if (totalLength < 0 || fileCount < 0 || pending.Length > MaxPendingLength || totalLength < currentText.Length + pending.Length)
        {
            throw new ArgumentException("The parser's counts are impossible.", nameof(totalLength));
        }

        CurrentPath = currentPath;
        _content = currentPath is null ? null : new StringBuilder(currentText);
        _pending = pending;
        _atContentStart = atContentStart;
        TotalLength = totalLength;
        FileCount = fileCount;
    }

    /// <summary>The most text held back between chunks: a whole open tag with the longest path.</summary>
    public const int MaxPendingLength = MaxPathLength + 16;

    /// <summary>The undecided text held back for the next chunk (a possible tag).</summary>
    public string Pending => _pending;

    /// <summary>Whether the current file's content has not started yet (a line break right after the open tag is still dropped).</summary>
    public bool AtContentStart => _atContentStart;

    /// <summary>The current file's content from <paramref name="start"/> on; empty between files.</summary>
    public string CurrentText(int start) => _content is null || start >= _content.Length ? string.Empty : _content.ToString(start, _content.Length - start);

    /// <summary>
    /// The path of the file being written, or <see langword="null"/> between files. After the last chunk, a file still
    /// open here never got its closing tag: it is incomplete.
    /// </summary>
    public string? CurrentPath { get; private set; }

    /// <summary>How many characters of the current file's content have arrived.</summary>
    public int CurrentLength => _content?.Length ?? 0;

    /// <summary>
    /// The end of the current file's content so far: its last at most <paramref name="maxLength"/> characters, starting
    /// at a line when the cut falls inside one that is not the only line; empty between files.
    /// </summary>
    public string Tail(int maxLength)
    {
        if (_content is null || _content.Length == 0 || maxLength <= 0)
        {
            return string.Empty;
        }

        var start = Math.Max(0, _content.Length - maxLength);
        var tail = _content.ToString(start, _content.Length - start);
        if (start > 0 && _content[start - 1] != '\n')
        {
            var lineStart = tail.IndexOf('\n', StringComparison.Ordinal);
            if (lineStart >= 0 && lineStart < tail.Length - 1)
            {
                return tail[(lineStart + 1)..];
            }
        }

        // Never start with half of a surrogate pair.
        return tail.Length > 0 && char.IsLowSurrogate(tail[0]) ? tail[1..] : tail;
    }

    /// <summary>How many characters were given to <see cref="Append"/> in all.</summary>
    public long TotalLength { get; private set; }

    /// <summary>How many files were completed.</summary>
    public int FileCount { get; private set; }

    /// <summary>Reads a chunk; files whose closing tag it completes are added to <paramref name="completed"/>, in order.</summary>
    public void Append(ReadOnlySpan<char> chunk, ICollection<ParsedFile> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        if (chunk.IsEmpty)
        {
            return;
        }

        TotalLength += chunk.Length;
        var buffer = _pending.Length == 0 ? chunk.ToString() : string.Concat(_pending, chunk);
        var position = 0;
        while (position < buffer.Length)
        {
            bool wait;
            position = CurrentPath is null
                ? ReadOutside(buffer, position, out wait)
                : ReadContent(buffer, position, completed, out wait);
            if (wait)
            {
                // The rest is undecided (a possible tag): keep it for the next chunk.
                break;
            }
        }

        _pending = position >= buffer.Length ? string.Empty : buffer[position..];
    }

    /// <summary>Reads text outside the files: drops it up to a possible open tag.</summary>
    /// <returns>Where reading goes on; with <paramref name="wait"/> set, where the undecided text starts.</returns>
    private int ReadOutside(string buffer, int position, out bool wait)
    {
        wait = false;
        var start = buffer.IndexOf('<', position);
        if (start < 0)
        {
            return buffer.Length;
        }

        switch (TryReadOpenTag(buffer.AsSpan(start), out var path, out var length))
        {
            case TagMatch.NeedMore:
                wait = true;
                return start;
            case TagMatch.NotATag:
                return start + 1;
            default:
                CurrentPath = path;
                _content = new StringBuilder();
                _atContentStart = true;
                return start + length;
        }
    }

    /// <summary>Reads a file's content: up to its closing tag, or all but a possible start of one.</summary>
    /// <returns>Where reading goes on; with <paramref name="wait"/> set, where the undecided text starts.</returns>
    private int ReadContent(string buffer, int position, ICollection<ParsedFile> completed, out bool wait)
    {
        wait = false;
        if (_atContentStart)
        {
            if (buffer[position] == '\n')
            {
                _atContentStart = false;
                return position + 1;
            }

            if (buffer[position] == '\r')
            {
                if (position + 1 >= buffer.Length)
                {
                    // "\r" then maybe "\n": decided by the next chunk.
                    wait = true;
                    return position;
                }

                _atContentStart = false;
                return buffer[position + 1] == '\n' ? position + 2 : position;
            }

            _atContentStart = false;
        }

        var close = buffer.IndexOf(CloseTag, position, StringComparison.Ordinal);
        if (close >= 0)
        {
            _content!.Append(buffer, position, close - position);
            completed.Add(new ParsedFile(CurrentPath!, _content.ToString()));
            FileCount++;
            CurrentPath = null;
            _content = null;
            return close + CloseTag.Length;
        }

        var held = PartialCloseTagLength(buffer.AsSpan(position));
        _content!.Append(buffer, position, buffer.Length - held - position);
        wait = held > 0;
        return buffer.Length - held;
    }

    private static TagMatch TryReadOpenTag(ReadOnlySpan<char> text, out string? path, out int length)
    {
        path = null;
        length = 0;
        if (text.Length < OpenTagStart.Length)
        {
            return OpenTagStart.AsSpan().StartsWith(text, StringComparison.Ordinal) ? TagMatch.NeedMore : TagMatch.NotATag;
        }

        if (!text.StartsWith(OpenTagStart, StringComparison.Ordinal))
        {
            return TagMatch.NotATag;
        }

        var rest = text[OpenTagStart.Length..];
        var limit = Math.Min(rest.Length, MaxPathLength + 1);
        for (var i = 0; i < limit; i++)
        {
            var c = rest[i];
            if (c == '"')
            {
                if (i + 1 >= rest.Length)
                {
                    return TagMatch.NeedMore;
                }

                if (rest[i + 1] != '>')
                {
                    return TagMatch.NotATag;
                }

                path = ComposedForm(rest[..i].ToString());
                length = OpenTagStart.Length + i + OpenTagEnd.Length;
                return TagMatch.Tag;
            }

            if (c is '<' or '>' || char.IsControl(c))
            {
                return TagMatch.NotATag;
            }
        }

        return rest.Length > MaxPathLength ? TagMatch.NotATag : TagMatch.NeedMore;
    }

    /// <summary>
    /// The path in Unicode normalisation form C, the only spelling the sinks accept: a model's decomposed <c>é</c>
    /// (<c>e</c> + U+0301) means the same name, not a second file. A path that cannot be normalised (an unpaired
    /// surrogate) is kept as written, for the path rules to refuse with their own message.
    /// </summary>
    private static string ComposedForm(string path)
    {
        try
        {
            return path.IsNormalized(NormalizationForm.FormC) ? path : path.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            return path;
        }
    }

    /// <summary>The length of the longest end of <paramref name="text"/> that starts a closing tag (0 to 6).</summary>
    private static int PartialCloseTagLength(ReadOnlySpan<char> text)
    {
        for (var length = Math.Min(CloseTag.Length - 1, text.Length); length > 0; length--)
        {
            if (text[^length..].SequenceEqual(CloseTag.AsSpan(0, length)))
            {
                return length;
            }
        }

        return 0;
    }

    private enum TagMatch
    {
        NotATag,
        NeedMore,
        Tag,
    }
}
