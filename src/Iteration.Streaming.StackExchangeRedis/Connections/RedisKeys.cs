using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Connections;

/// <summary>
/// The key layout. Every key of one generation carries the generation id as its hash tag (<c>{…}</c>), so all of them
/// live in one Redis Cluster slot and a script may touch them together:
/// <list type="bullet">
/// <item><c>{prefix}:{id}:meta</c>: a hash; its existence is the log's. Fields <c>last</c>, <c>terminal</c>, <c>gap</c>,
/// <c>created</c>, <c>status</c>, <c>ended</c>, and the marks <c>cancel</c> (requested) and <c>handover</c> (the owner let
/// go of the run for another instance to resume).</item>
/// <item><c>{prefix}:{id}:record</c>: a hash, the generation record (<c>prompt</c>, <c>plan</c>, <c>owner</c>, …).</item>
/// <item><c>{prefix}:{id}:events</c>: the stream of SSE frames, entry id <c>{sequence}-0</c>.</item>
/// <item><c>{prefix}:{id}:lease</c>: the owner's instance name, expiring unless renewed.</item>
/// <item><c>{prefix}:{id}:checkpoint</c> (a hash: <c>phase</c>, <c>attempt</c>, <c>file</c>, <c>state</c>, <c>seq</c>,
/// <c>at</c>, <c>ovf</c>), <c>…:checkpoint:text</c> (the current file's text, UTF-16LE, appended to),
/// <c>…:checkpoint:paths</c> (a list: the finished files' paths in first order) and <c>…:checkpoint:files</c> (a hash:
/// path → the file): the phase checkpoint.</item>
/// <item><c>{prefix}:records:live</c>, <c>{prefix}:records:ended</c>: sorted sets of record ids by creation and by
/// end time (Unix ms), for listing unfinished and ended records. The record scripts keep them in step.</item>
/// <item><c>{prefix}:user:{hash}:records</c>: one user's records, a sorted set of members
/// <c>{created ms since year 1, 15 digits}:{id}</c> all scored 0, so lexical order is creation time then id: the user's
/// list walks it backwards (<c>ZREVRANGEBYLEX</c>). <c>{hash}</c> is the user id's SHA-256 (hex, first 32), so any user
/// id makes a short key of its own.</item>
/// <item><c>{prefix}:budget:{{hash}}:day:{n}</c>, <c>…:open</c>, <c>…:open-at</c>: one user's budget ledger (the day's
/// tokens and reservations; the unsettled reservations' day and tokens, and their times), sharing the user's hash tag.</item>
/// <item><c>{prefix}:handover</c>: the pub/sub channel on which an instance announces a run it handed over.</item>
/// <item><c>{prefix}:leases</c>: a sorted set of owned generations by lease expiry (Unix ms), where instances look for
/// lapsed leases. Only a hint: the lease key decides.</item>
/// <item><c>{prefix}:instance:{name}:wake</c>: one instance's tail wake-up stream (not tied to a generation).</item>
/// <item><c>{prefix}:instance:{name}:cancel</c>: the pub/sub channel on which an instance hears cancel requests for its runs.</item>
/// </list>
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    /// <summary>Generation ids longer than this are refused: they would only bloat every key.</summary>
    public const int MaxGenerationIdLength = 200;

    public string Prefix { get; } = prefix;

    public RedisKey Meta(string generationId) => $"{Prefix}:{{{generationId}}}:meta";

    public RedisKey Events(string generationId) => $"{Prefix}:{{{generationId}}}:events";

    public RedisKey Lease(string generationId) => $"{Prefix}:{{{generationId}}}:lease";

    public RedisKey Record(string generationId) => $"{Prefix}:{{{generationId}}}:record";

    /// <summary>The phase checkpoint's keys: head, text, paths, files (see the class remarks).</summary>
    public RedisKey[] Checkpoint(string generationId)
    {
        var head = $"{Prefix}:{{{generationId}}}:checkpoint";
        return [head, head + ":text", head + ":paths", head + ":files"];
    }

    public RedisKey Leases => $"{Prefix}:leases";

    public RedisKey LiveRecords => $"{Prefix}:records:live";

    public RedisKey EndedRecords => $"{Prefix}:records:ended";

    /// <summary>The owner index of <paramref name="userId"/>: see <see cref="UserRecordMember"/>.</summary>
    public RedisKey UserRecords(string userId) => $"{Prefix}:user:{UserHash(userId)}:records";

    /// <summary>
    /// A record's member in its user's index: milliseconds since year 1 (the Unix milliseconds' order, never negative)
    /// in 15 digits, then the id, so members sort by creation time to the millisecond, then by id (as UTF-8 bytes).
    /// </summary>
    public static string UserRecordMember(DateTimeOffset createdAt, string generationId) =>
        (createdAt.UtcTicks / TimeSpan.TicksPerMillisecond).ToString("D15", CultureInfo.InvariantCulture) + ":" + generationId;

    /// <summary>The generation id in a <see cref="UserRecordMember"/>.</summary>
    public static string GenerationIdOf(string userRecordMember) => userRecordMember[16..];

    /// <summary>A user's tokens and reservations of one UTC day.</summary>
    public RedisKey BudgetDay(string userId, DateOnly day) =>
        $"{Prefix}:budget:{{{UserHash(userId)}}}:day:{day.DayNumber.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A user's unsettled reservations: generation id → <c>{day number}|{tokens}</c>.</summary>
    public RedisKey BudgetOpen(string userId) => $"{Prefix}:budget:{{{UserHash(userId)}}}:open";

    /// <summary>A user's unsettled reservations by the time they were made (Unix ms).</summary>
    public RedisKey BudgetOpenTimes(string userId) => $"{Prefix}:budget:{{{UserHash(userId)}}}:open-at";

    public RedisChannel HandOverChannel => RedisChannel.Literal($"{Prefix}:handover");

    public RedisKey Wake(string instanceName) => $"{Prefix}:instance:{instanceName}:wake";

    /// <summary>
    /// An instance's channels are <c>{InstanceChannelStart}{name}{end}</c> (<see cref="CancelChannelEnd"/>,
    /// <see cref="InputChannelEnd"/>); the cancel and input scripts build them from the owner's name.
    /// </summary>
    public string InstanceChannelStart => $"{Prefix}:instance:";

    public static string CancelChannelEnd => ":cancel";

    public static string InputChannelEnd => ":input";

    public RedisChannel CancelChannel(string instanceName) => RedisChannel.Literal(InstanceChannelStart + instanceName + CancelChannelEnd);

    public RedisChannel InputChannel(string instanceName) => RedisChannel.Literal(InstanceChannelStart + instanceName + InputChannelEnd);

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

    private static string UserHash(string userId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(userId), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

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
