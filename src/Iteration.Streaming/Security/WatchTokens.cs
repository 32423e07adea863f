using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Security;

/// <summary>
/// Watch tokens: one signed token that reads exactly a set of generations through the multiplexed stream
/// (<c>POST {prefix}/watch</c>), as <c>base64url(payload).base64url(HMAC-SHA256(key, payload))</c>. The payload is a
/// version byte (<c>'W'</c>), the issue time (Unix milliseconds, big-endian), the member count (big-endian 16 bits) and
/// each member id: a length byte and its ASCII, or a zero byte and 16 bytes for a lowercase UUID in its usual form
/// (so a set of 100 UUIDs fits a URL).
/// </summary>
/// <remarks>
/// The key is derived from the signing key under a purpose of its own, so a stream token never reads as a watch token or
/// the other way round. A watch token follows the lifetime rules of a generation's token (<see cref="TokenLifetime"/>)
/// over its members: valid while any member's token would be, never past <c>MaxTokenLifetime</c>.
/// </remarks>
internal sealed class WatchTokens
{
    /// <summary>The longest token read; longer ones are malformed without decoding.</summary>
    public const int MaxTokenLength = 8192;

    /// <summary>The longest token issued: it must fit in a URL (<c>?token=</c>) under common request-line limits.</summary>
    public const int MaxIssuedLength = 6144;

    internal const byte Version = (byte)'W';
    private const int HeaderLength = 1 + sizeof(long) + sizeof(ushort);
    private const int MacLength = HMACSHA256.HashSizeInBytes;
    private const int UuidLength = 36;
    private static readonly SearchValues<char> Base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private readonly IOptionsMonitor<IterationStreamingOptions> _options;
    private readonly IGenerationRecordStore _records;
    private readonly TimeProvider _timeProvider;
    private readonly DerivedSigningKey _key;

    public WatchTokens(IOptionsMonitor<IterationStreamingOptions> options, IGenerationRecordStore records, TimeProvider timeProvider, ILogger<WatchTokens>? logger = null)
    {
        _options = options;
        _records = records;
        _timeProvider = timeProvider;
        var log = logger ?? (ILogger)NullLogger.Instance;
        _key = new DerivedSigningKey(options, "Iteration.Streaming/watch-token/v1"u8, () => Log.RandomSigningKey(log));
    }

    /// <summary>Issues a token for <paramref name="generationIds"/> (valid ids, no duplicates: the caller checked); null when it would be longer than <see cref="MaxIssuedLength"/>.</summary>
    public string? Issue(IReadOnlyList<string> generationIds)
    {
        ArgumentNullException.ThrowIfNull(generationIds);
        if (generationIds.Count is 0 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(generationIds), generationIds.Count, "A watch set has 1 to 65,535 generations.");
        }

        var buffer = new ArrayBufferWriter<byte>(HeaderLength + (generationIds.Count * 17));
        var header = buffer.GetSpan(HeaderLength);
        header[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(header[1..], _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt16BigEndian(header[9..], (ushort)generationIds.Count);
        buffer.Advance(HeaderLength);
        foreach (var id in generationIds)
        {
            WriteMember(buffer, id);
        }

        var payload = buffer.WrittenSpan;
        if (Base64Url.GetEncodedLength(payload.Length) + 1 + Base64Url.GetEncodedLength(MacLength) > MaxIssuedLength)
        {
            return null;
        }

        Span<byte> mac = stackalloc byte[MacLength];
        HMACSHA256.HashData(_key.Get(), payload, mac);
        return string.Concat(Base64Url.EncodeToString(payload), ".", Base64Url.EncodeToString(mac));
    }

    /// <summary>
    /// Checks a presented token: its shape and signature, the hard cap, then the members' records (at least one must keep
    /// the token alive). Records of members that no longer exist come back as <see langword="null"/>.
    /// </summary>
    public async ValueTask<WatchTokenCheck> ValidateAsync(string? token, CancellationToken cancellationToken)
    {
        var (status, ids, issuedAt, payloadHash) = Check(token);
        if (status != StreamTokenStatus.Valid)
        {
            return new WatchTokenCheck(status, [], [], default, []);
        }

        var reads = new Task<GenerationRecord?>[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            reads[i] = _records.GetAsync(ids[i], cancellationToken).AsTask();
        }

        var records = await Task.WhenAll(reads).ConfigureAwait(false);
        var options = _options.CurrentValue;
        var now = _timeProvider.GetUtcNow();
        var live = records.Any(r => r is not null && TokenLifetime.IsLive(r, issuedAt, options, now));
        return live
            ? new WatchTokenCheck(StreamTokenStatus.Valid, ids, records, issuedAt, payloadHash)
            : new WatchTokenCheck(StreamTokenStatus.Expired, [], [], default, []);
    }

    private static void WriteMember(ArrayBufferWriter<byte> buffer, string id)
    {
        if (id.Length == UuidLength && Guid.TryParseExact(id, "D", out var guid) && string.Equals(guid.ToString("D"), id, StringComparison.Ordinal))
        {
            var span = buffer.GetSpan(17);
            span[0] = 0;
            guid.TryWriteBytes(span[1..], bigEndian: true, out _);
            buffer.Advance(17);
            return;
        }

        var length = Encoding.ASCII.GetByteCount(id);
        if (length is 0 or > byte.MaxValue)
        {
            throw new ArgumentException("A generation id in a watch set is 1 to 255 ASCII characters.", nameof(id));
        }

        var target = buffer.GetSpan(1 + length);
        target[0] = (byte)length;
        Encoding.ASCII.GetBytes(id, target[1..]);
        buffer.Advance(1 + length);
    }

    private (StreamTokenStatus Status, IReadOnlyList<string> Ids, DateTimeOffset IssuedAt, byte[] PayloadHash) Check(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (StreamTokenStatus.Missing, [], default, []);
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (token.Length > MaxTokenLength
            || dot <= 0
            || token.AsSpan(0, dot).ContainsAnyExcept(Base64UrlAlphabet)
            || token.AsSpan(dot + 1).ContainsAnyExcept(Base64UrlAlphabet))
        {
            return (StreamTokenStatus.Malformed, [], default, []);
        }

        var payload = new byte[Base64Url.GetMaxDecodedLength(dot)];
        Span<byte> presentedMac = stackalloc byte[64];
        if (token.Length - dot - 1 > 64
            || !TryDecode(token.AsSpan(0, dot), payload, out var payloadLength)
            || !TryDecode(token.AsSpan(dot + 1), presentedMac, out var macLength)
            || macLength != MacLength
            || payloadLength <= HeaderLength
            || payload[0] != Version)
        {
            return (StreamTokenStatus.Malformed, [], default, []);
        }

        var signed = payload.AsSpan(0, payloadLength);
        Span<byte> expectedMac = stackalloc byte[MacLength];
        HMACSHA256.HashData(_key.Get(), signed, expectedMac);
        if (!CryptographicOperations.FixedTimeEquals(expectedMac, presentedMac[..MacLength]))
        {
            return (StreamTokenStatus.InvalidSignature, [], default, []);
        }

        // Signed by us, so well formed; read defensively anyway: a malformed payload is never an exception.
        var issuedMs = BinaryPrimitives.ReadInt64BigEndian(signed[1..]);
        if (issuedMs < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || issuedMs > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            || !TryReadMembers(signed[HeaderLength..], BinaryPrimitives.ReadUInt16BigEndian(signed[9..]), out var ids))
        {
            return (StreamTokenStatus.Malformed, [], default, []);
        }

        var issuedAt = DateTimeOffset.FromUnixTimeMilliseconds(issuedMs);
        if (!TokenLifetime.IsWithinHardCap(issuedAt, _options.CurrentValue, _timeProvider.GetUtcNow()))
        {
            return (StreamTokenStatus.Expired, [], default, []);
        }

        return (StreamTokenStatus.Valid, ids, issuedAt, SHA256.HashData(signed[HeaderLength..]));
    }

    private static bool TryReadMembers(ReadOnlySpan<byte> span, int count, out IReadOnlyList<string> ids)
    {
        var list = new List<string>(Math.Min(count, 1024));
        ids = list;
        while (list.Count < count)
        {
            if (span.IsEmpty)
            {
                return false;
            }

            int length = span[0];
            if (length == 0)
            {
                if (span.Length < 17)
                {
                    return false;
                }

                list.Add(new Guid(span.Slice(1, 16), bigEndian: true).ToString("D"));
                span = span[17..];
                continue;
            }

            if (span.Length < 1 + length)
            {
                return false;
            }

            list.Add(Encoding.ASCII.GetString(span.Slice(1, length)));
            span = span[(1 + length)..];
        }

        return span.IsEmpty && count > 0;
    }

    private static bool TryDecode(ReadOnlySpan<char> source, Span<byte> destination, out int bytesWritten)
    {
        try
        {
            return Base64Url.TryDecodeFromChars(source, destination, out bytesWritten);
        }
        catch (FormatException)
        {
            bytesWritten = 0;
            return false;
        }
    }
}

/// <summary>
/// What checking a watch token found: the status, and when valid the member ids (in the order of the request), their
/// records (null for a member that no longer exists), the issue time and a hash of the member list (the set's identity).
/// </summary>
internal sealed record WatchTokenCheck(
    StreamTokenStatus Status, IReadOnlyList<string> GenerationIds, IReadOnlyList<GenerationRecord?> Records, DateTimeOffset IssuedAt, byte[] SetHash);
