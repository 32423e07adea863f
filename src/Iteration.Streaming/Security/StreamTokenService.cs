using System.Buffers.Binary;
using System.Buffers.Text;
using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Security;

/// <summary>
/// Stream tokens as <c>base64url(payload).base64url(HMAC-SHA256(key, payload))</c>, where the payload is a version
/// byte (2), the scope byte, the issue time (Unix milliseconds, big-endian) and the generation id (UTF-8).
/// </summary>
/// <remarks>
/// <para>
/// A token is checked in this order, cheapest first: its shape (<see cref="StreamTokenStatus.Malformed"/>), its
/// signature, its generation, the hard cap <see cref="IterationStreamingOptions.MaxTokenLifetime"/> after it was issued,
/// then the generation's record: none means <see cref="StreamTokenStatus.Expired"/> (a generation that is unknown, or was
/// deleted, has no valid token); a live run keeps the token valid; an ended run keeps it valid until
/// <see cref="IterationStreamingOptions.TerminalGracePeriod"/> after <see cref="GenerationRecord.EndedAt"/>, and a token
/// issued after the end only for <see cref="IterationStreamingOptions.TokenLifetime"/> within that. The scope comes last,
/// so <see cref="StreamTokenStatus.InsufficientScope"/> always names a genuine, live read token.
/// </para>
/// <para>
/// Version 1 tokens (wave 1: expiry instead of issue time, no scope) are answered <see cref="StreamTokenStatus.Expired"/>
/// when their signature holds: they were genuine, and their holder has to get a new one.
/// </para>
/// <para>
/// The HMAC key is derived with HKDF from <see cref="IterationStreamingOptions.SigningKey"/>, so the configured secret
/// is never used directly (a key kept in <see cref="IterationStreamingOptions.SigningKeyFile"/> arrives there too); without
/// one, a random key is made once per service instance and a warning is logged once.
/// </para>
/// </remarks>
internal sealed class StreamTokenService : IStreamTokenService
{
    internal const int MaxGenerationIdBytes = 128;
    internal const int MaxTokenLength = 256;
    internal const byte Version = 2;
    internal const byte LegacyVersion = 1;
    private const int HeaderLength = 1 + 1 + sizeof(long);
    private const int LegacyHeaderLength = 1 + sizeof(long);
    private const int MacLength = HMACSHA256.HashSizeInBytes;
    private static readonly long MinUnixMilliseconds = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxUnixMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    private static readonly SearchValues<char> Base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private readonly IOptionsMonitor<IterationStreamingOptions> _options;
    private readonly IGenerationRecordStore _records;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly DerivedSigningKey _key;

    public StreamTokenService(
        IOptionsMonitor<IterationStreamingOptions> options,
        IGenerationRecordStore records,
        TimeProvider timeProvider,
        ILogger<StreamTokenService>? logger = null)
    {
        _options = options;
        _records = records;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _key = new DerivedSigningKey(options, KeyInfo, () => Log.RandomSigningKey(_logger));
    }

    /// <summary>The HKDF <c>info</c> of the HMAC key; unchanged since version 1, so both versions' signatures can be checked.</summary>
    internal static ReadOnlySpan<byte> KeyInfo => "Iteration.Streaming/stream-token/v1"u8;

    public string IssueToken(string generationId, StreamTokenScope scope = StreamTokenScope.Read)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(generationId);
        if (scope is not (StreamTokenScope.Read or StreamTokenScope.Control))
        {
            throw new ArgumentOutOfRangeException(nameof(scope), scope, "A token's scope is Read or Control.");
        }

        var idLength = Encoding.UTF8.GetByteCount(generationId);
        if (idLength > MaxGenerationIdBytes)
        {
            throw new ArgumentException($"A generation id must be at most {MaxGenerationIdBytes} bytes long in UTF-8.", nameof(generationId));
        }

        Span<byte> payload = stackalloc byte[HeaderLength + MaxGenerationIdBytes];
        payload[0] = Version;
        payload[1] = (byte)scope;
        BinaryPrimitives.WriteInt64BigEndian(payload[2..], _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        Encoding.UTF8.GetBytes(generationId, payload[HeaderLength..]);
        payload = payload[..(HeaderLength + idLength)];

        Span<byte> mac = stackalloc byte[MacLength];
        HMACSHA256.HashData(GetKey(), payload, mac);
        return string.Concat(Base64Url.EncodeToString(payload), ".", Base64Url.EncodeToString(mac));
    }

    public async ValueTask<StreamTokenStatus> ValidateAsync(
        string generationId, string? token, StreamTokenScope scope = StreamTokenScope.Read, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        var (status, granted, issuedAt) = Check(generationId, token);
        if (status != StreamTokenStatus.Valid)
        {
            return status;
        }

        var record = await _records.GetAsync(generationId, cancellationToken).ConfigureAwait(false);
        if (record is null || !IsLive(record, issuedAt))
        {
            return StreamTokenStatus.Expired;
        }

        // Control also reads; Read never acts.
        return scope == StreamTokenScope.Read || granted == StreamTokenScope.Control
            ? StreamTokenStatus.Valid
            : StreamTokenStatus.InsufficientScope;
    }

    /// <summary>Whether a token issued at <paramref name="issuedAt"/> still holds for the generation's run, by its record.</summary>
    private bool IsLive(GenerationRecord record, DateTimeOffset issuedAt) =>
        TokenLifetime.IsLive(record, issuedAt, _options.CurrentValue, _timeProvider.GetUtcNow());

    /// <summary>Every check that needs no I/O: shape, signature, generation and the hard cap.</summary>
    private (StreamTokenStatus Status, StreamTokenScope Scope, DateTimeOffset IssuedAt) Check(string generationId, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (StreamTokenStatus.Missing, default, default);
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (token.Length > MaxTokenLength
            || dot <= 0
            || token.AsSpan(0, dot).ContainsAnyExcept(Base64UrlAlphabet)
            || token.AsSpan(dot + 1).ContainsAnyExcept(Base64UrlAlphabet))
        {
            return (StreamTokenStatus.Malformed, default, default);
        }

        Span<byte> payload = stackalloc byte[MaxTokenLength];
        Span<byte> presentedMac = stackalloc byte[MaxTokenLength];
        if (!TryDecode(token.AsSpan(0, dot), payload, out var payloadLength)
            || !TryDecode(token.AsSpan(dot + 1), presentedMac, out var macLength)
            || macLength != MacLength
            || !IsWellFormed(payload[..payloadLength]))
        {
            return (StreamTokenStatus.Malformed, default, default);
        }

        payload = payload[..payloadLength];
        Span<byte> expectedMac = stackalloc byte[MacLength];
        HMACSHA256.HashData(GetKey(), payload, expectedMac);
        if (!CryptographicOperations.FixedTimeEquals(expectedMac, presentedMac[..MacLength]))
        {
            return (StreamTokenStatus.InvalidSignature, default, default);
        }

        if (payload[0] == LegacyVersion)
        {
            return (StreamTokenStatus.Expired, default, default);
        }

        Span<byte> requestedId = stackalloc byte[MaxGenerationIdBytes];
        if (!Encoding.UTF8.TryGetBytes(generationId, requestedId, out var requestedLength)
            || !payload[HeaderLength..].SequenceEqual(requestedId[..requestedLength]))
        {
            return (StreamTokenStatus.OtherGeneration, default, default);
        }

        // Signed by us, so within range; checked anyway, without arithmetic that could overflow.
        var issuedAt = BinaryPrimitives.ReadInt64BigEndian(payload[2..]);
        if (issuedAt < MinUnixMilliseconds || issuedAt > MaxUnixMilliseconds)
        {
            return (StreamTokenStatus.Malformed, default, default);
        }

        var issued = DateTimeOffset.FromUnixTimeMilliseconds(issuedAt);
        if (!TokenLifetime.IsWithinHardCap(issued, _options.CurrentValue, _timeProvider.GetUtcNow()))
        {
            return (StreamTokenStatus.Expired, default, default);
        }

        return (StreamTokenStatus.Valid, (StreamTokenScope)payload[1], issued);
    }

    /// <summary>A known version with a header and an id; version 2 with a known scope.</summary>
    private static bool IsWellFormed(ReadOnlySpan<byte> payload) => payload.Length switch
    {
        0 => false,
        _ when payload[0] == Version => payload.Length > HeaderLength && payload[1] is (byte)StreamTokenScope.Read or (byte)StreamTokenScope.Control,
        _ when payload[0] == LegacyVersion => payload.Length > LegacyHeaderLength,
        _ => false,
    };

    /// <summary>Base64Url's TryDecode answers false only for a short destination: a malformed length or stray trailing bits throw.</summary>
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

    private byte[] GetKey() => _key.Get();
}
