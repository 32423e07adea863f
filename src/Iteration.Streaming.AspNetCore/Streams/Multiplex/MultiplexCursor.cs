using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Security;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.AspNetCore.Streams.Multiplex;

/// <summary>
/// The SSE <c>id:</c> of a multiplexed stream: one opaque cursor for the whole set, so that <c>Last-Event-ID</c> resumes
/// every member exactly after what it delivered.
/// </summary>
/// <remarks>
/// <para>Version 1, ASCII with no spaces:</para>
/// <list type="bullet">
/// <item><description>a watch set: <c>1w.{tag}.{s1},{s2},…</c>, one entry per member in the watch token's order;</description></item>
/// <item><description>an owner's stream: <c>1o.{tag}.{watermark}.{id}:{s},…</c>, one entry per member followed (in the
/// order they joined), and the time (Unix ms) of the stream's last look for new generations.</description></item>
/// </list>
/// <para>
/// <c>s</c> is the sequence of the member's last delivered event (0: none yet), or <c>x</c> once its terminal event
/// was delivered (or it left). The tag is 8 bytes of an HMAC (under a key derived for this purpose) of the set's members
/// or of the owner, so a cursor of another set or owner is refused. The cursor is not a secret and grants nothing: it
/// only names positions in logs the caller may read anyway (as a single stream's <c>Last-Event-ID</c> does), so a cursor
/// changed by hand is refused when malformed or ahead of a log, and otherwise only moves the caller's own positions.
/// For 50 members with UUID ids it stays under 2.5 KB (an owner's) or 400 bytes (a watch set's).
/// </para>
/// </remarks>
internal sealed class MultiplexCursor(IOptionsMonitor<IterationStreamingOptions> options)
{
    /// <summary>The longest cursor read: longer ones are refused unread.</summary>
    public const int MaxLength = 16 * 1024;

    public const char Done = 'x';
    private const int TagBytes = 8;
    private static readonly string WatchPrefix = "1w.";
    private static readonly string OwnerPrefix = "1o.";

    private readonly DerivedSigningKey _key = new(options, "Iteration.Streaming/stream-cursor/v1"u8);

    /// <summary>The tag of a watch set, from the hash of its member list.</summary>
    public string WatchTag(ReadOnlySpan<byte> setHash) => Tag("w"u8, setHash);

    /// <summary>The tag of an owner's stream.</summary>
    public string OwnerTag(string userId) => Tag("o"u8, Encoding.UTF8.GetBytes(userId));

    /// <summary>The start of every id of a watch set's stream, before its entries.</summary>
    public static string WatchHead(string tag) => WatchPrefix + tag + ".";

    /// <summary>The start of every id of an owner's stream, before its entries.</summary>
    public static string OwnerHead(string tag, long watermark) =>
        OwnerPrefix + tag + "." + watermark.ToString(CultureInfo.InvariantCulture) + ".";

    /// <summary>
    /// Reads a watch set's cursor: the last delivered sequence of each of <paramref name="memberCount"/> members, or -1 for
    /// one that is done. False for anything malformed, of another set, or of another length.
    /// </summary>
    public static bool TryReadWatch(string text, string tag, int memberCount, out long[] sequences)
    {
        sequences = [];
        var head = WatchHead(tag);
        if (text.Length > MaxLength || !text.StartsWith(head, StringComparison.Ordinal))
        {
            return false;
        }

        var values = new long[memberCount];
        var rest = text.AsSpan(head.Length);
        for (var i = 0; i < memberCount; i++)
        {
            var comma = rest.IndexOf(',');
            var item = comma < 0 ? rest : rest[..comma];
            if (!TryReadPosition(item, out values[i]) || (comma < 0) != (i == memberCount - 1))
            {
                return false;
            }

            rest = comma < 0 ? [] : rest[(comma + 1)..];
        }

        sequences = values;
        return rest.IsEmpty;
    }

    /// <summary>
    /// Reads an owner's cursor: its watermark and each member's id and position (-1 done), at most
    /// <paramref name="maxEntries"/> and no id twice. False for anything malformed or of another owner.
    /// </summary>
    public static bool TryReadOwner(string text, string tag, int maxEntries, out long watermark, out List<(string Id, long Sequence)> entries)
    {
        watermark = 0;
        entries = [];
        var head = OwnerPrefix + tag + ".";
        if (text.Length > MaxLength || !text.StartsWith(head, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = text.AsSpan(head.Length);
        var dot = rest.IndexOf('.');
        if (dot is <= 0 or > 19 || !long.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out watermark))
        {
            return false;
        }

        rest = rest[(dot + 1)..];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (!rest.IsEmpty)
        {
            var comma = rest.IndexOf(',');
            var item = comma < 0 ? rest : rest[..comma];
            var colon = item.LastIndexOf(':');
            if (colon <= 0 || entries.Count >= maxEntries || !TryReadPosition(item[(colon + 1)..], out var sequence))
            {
                return false;
            }

            var id = item[..colon].ToString();
            if (!RequestValues.IsGenerationId(id) || !seen.Add(id))
            {
                return false;
            }

            entries.Add((id, sequence));
            if (comma < 0)
            {
                break;
            }

            rest = rest[(comma + 1)..];
            if (rest.IsEmpty)
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryReadPosition(ReadOnlySpan<char> text, out long sequence)
    {
        if (text.Length == 1 && text[0] == Done)
        {
            sequence = -1;
            return true;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out sequence) && text.Length is > 0 and <= 19;
    }

    private string Tag(ReadOnlySpan<byte> kind, ReadOnlySpan<byte> subject)
    {
        var buffer = new byte[kind.Length + 1 + subject.Length];
        kind.CopyTo(buffer);
        buffer[kind.Length] = 0;
        subject.CopyTo(buffer.AsSpan(kind.Length + 1));
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key.Get(), buffer, mac);
        return Base64Url.EncodeToString(mac[..TagBytes]);
    }
}
