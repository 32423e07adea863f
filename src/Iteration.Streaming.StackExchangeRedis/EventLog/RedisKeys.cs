using System.Buffers;
using System.Text;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>
/// The key layout. Every key of one generation carries the generation id as its hash tag (<c>{…}</c>), so all of them
/// live in one Redis Cluster slot and a script may touch them together:
/// <list type="bullet">
/// <item><c>{prefix}:{id}:meta</c>: a hash (<c>last</c>, <c>terminal</c>, <c>gap</c>, <c>created</c>); its existence is the generation's.</item>
/// <item><c>{prefix}:{id}:events</c>: the stream of SSE frames, entry id <c>{sequence}-0</c>.</item>
/// <item><c>{prefix}:instance:{name}:wake</c>: one instance's tail wake-up stream (not tied to a generation).</item>
/// </list>
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    /// <summary>Generation ids longer than this are refused: they would only bloat every key.</summary>
    public const int MaxGenerationIdLength = 200;

    public string Prefix { get; } = prefix;

    public RedisKey Meta(string generationId) => $"{Prefix}:{{{generationId}}}:meta";

    public RedisKey Events(string generationId) => $"{Prefix}:{{{generationId}}}:events";

    public RedisKey Wake(string instanceName) => $"{Prefix}:instance:{instanceName}:wake";

    /// <summary>
    /// Whether <paramref name="generationId"/> can name a generation here: braces would change the hash tag (and so the
    /// slot) and control characters have no place in a key, so such ids are refused at creation and unknown everywhere else.
    /// </summary>
    public static bool IsValidGenerationId(string generationId) =>
        generationId.Length is > 0 and <= MaxGenerationIdLength
        && !string.IsNullOrWhiteSpace(generationId)
        && !generationId.AsSpan().ContainsAny('{', '}')
        && !generationId.Any(char.IsControl)
        && IsWellFormedUtf16(generationId);

    /// <summary>A lone surrogate would not survive the UTF-8 round trip through Redis, so the key read back would differ.</summary>
    private static bool IsWellFormedUtf16(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(text, out _, out var consumed) != OperationStatus.Done)
            {
                return false;
            }

            text = text[consumed..];
        }

        return true;
    }
}
