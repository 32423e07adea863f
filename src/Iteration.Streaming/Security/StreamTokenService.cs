using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Security;

/// <summary>
/// Stream tokens as <c>base64url(payload).base64url(HMAC-SHA256(key, payload))</c>, where the payload is a version
/// byte, the expiry (Unix milliseconds, big-endian) and the generation id (UTF-8).
/// </summary>
/// <remarks>
/// The HMAC key is derived with HKDF from <see cref="IterationStreamingOptions.SigningKey"/>, so the configured secret
/// is never used directly; without one, a random key is made once per service instance and a warning is logged once.
/// </remarks>
internal sealed class StreamTokenService : IStreamTokenService
{
    internal const int MaxGenerationIdBytes = 128;
    internal const int MaxTokenLength = 256;
    private const byte Version = 1;
    private const int HeaderLength = 1 + sizeof(long);
    private const int MacLength = HMACSHA256.HashSizeInBytes;

    private static readonly SearchValues<char> Base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private static ReadOnlySpan<byte> KeyInfo => "Iteration.Streaming/stream-token/v1"u8;

    private readonly IOptionsMonitor<IterationStreamingOptions> _options;
    private readonly IGenerationEventLog _eventLog;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lazy<byte[]> _randomKey;
    private SigningKey? _key;

    public StreamTokenService(
        IOptionsMonitor<IterationStreamingOptions> options,
        IGenerationEventLog eventLog,
        TimeProvider timeProvider,
        ILogger<StreamTokenService>? logger = null)
    {
        _options = options;
        _eventLog = eventLog;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _randomKey = new Lazy<byte[]>(CreateRandomKey, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string IssueToken(string generationId, StreamTokenScope scope = StreamTokenScope.Read)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(generationId);
        var idLength = Encoding.UTF8.GetByteCount(generationId);
        if (idLength > MaxGenerationIdBytes)
        {
            throw new ArgumentException($"A generation id must be at most {MaxGenerationIdBytes} bytes long in UTF-8.", nameof(generationId));
        }

        var expiresAt = _timeProvider.GetUtcNow() + _options.CurrentValue.TokenLifetime;
        Span<byte> payload = stackalloc byte[HeaderLength + MaxGenerationIdBytes];
        payload[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(payload[1..], expiresAt.ToUnixTimeMilliseconds());
        Encoding.UTF8.GetBytes(generationId, payload[HeaderLength..]);
        payload = payload[..(HeaderLength + idLength)];

        Span<byte> mac = stackalloc byte[MacLength];
        HMACSHA256.HashData(GetKey(), payload, mac);
        return string.Concat(Base64Url.EncodeToString(payload), ".", Base64Url.EncodeToString(mac));
    }

    public async ValueTask<StreamTokenStatus> ValidateAsync(string generationId, string? token, StreamTokenScope scope = StreamTokenScope.Read, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        var status = Check(generationId, token);
        if (status != StreamTokenStatus.Valid)
        {
            return status;
        }

        EventLogEntry? latest;
        try
        {
            latest = await _eventLog.GetLatestAsync(generationId, cancellationToken).ConfigureAwait(false);
        }
        catch (GenerationNotFoundException)
        {
            // The token is genuine; the caller reports the unknown generation itself (404).
            return StreamTokenStatus.Valid;
        }

        return latest is { IsTerminal: true }
            && _timeProvider.GetUtcNow() >= latest.Event.Timestamp + _options.CurrentValue.TerminalGracePeriod
            ? StreamTokenStatus.Expired
            : StreamTokenStatus.Valid;
    }

    private StreamTokenStatus Check(string generationId, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return StreamTokenStatus.Missing;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (token.Length > MaxTokenLength
            || dot <= 0
            || token.AsSpan(0, dot).ContainsAnyExcept(Base64UrlAlphabet)
            || token.AsSpan(dot + 1).ContainsAnyExcept(Base64UrlAlphabet))
        {
            return StreamTokenStatus.Malformed;
        }

        Span<byte> payload = stackalloc byte[MaxTokenLength];
        Span<byte> presentedMac = stackalloc byte[MaxTokenLength];
        if (!TryDecode(token.AsSpan(0, dot), payload, out var payloadLength)
            || !TryDecode(token.AsSpan(dot + 1), presentedMac, out var macLength)
            || payloadLength <= HeaderLength
            || payload[0] != Version
            || macLength != MacLength)
        {
            return StreamTokenStatus.Malformed;
        }

        payload = payload[..payloadLength];
        Span<byte> expectedMac = stackalloc byte[MacLength];
        HMACSHA256.HashData(GetKey(), payload, expectedMac);
        if (!CryptographicOperations.FixedTimeEquals(expectedMac, presentedMac[..MacLength]))
        {
            return StreamTokenStatus.InvalidSignature;
        }

        var expiresAt = BinaryPrimitives.ReadInt64BigEndian(payload[1..]);
        if (_timeProvider.GetUtcNow().ToUnixTimeMilliseconds() >= expiresAt)
        {
            return StreamTokenStatus.Expired;
        }

        Span<byte> requestedId = stackalloc byte[MaxGenerationIdBytes];
        return Encoding.UTF8.TryGetBytes(generationId, requestedId, out var requestedLength)
            && payload[HeaderLength..].SequenceEqual(requestedId[..requestedLength])
            ? StreamTokenStatus.Valid
            : StreamTokenStatus.OtherGeneration;
    }

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

    private byte[] GetKey()
    {
        var configured = _options.CurrentValue.SigningKey;
        var key = _key;
        if (key is not null && string.Equals(key.Source, configured, StringComparison.Ordinal))
        {
            return key.Bytes;
        }

        byte[] bytes;
        if (string.IsNullOrEmpty(configured))
        {
            bytes = _randomKey.Value;
        }
        else
        {
            bytes = new byte[MacLength];
            HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(configured), bytes, salt: [], info: KeyInfo);
        }

        _key = new SigningKey(configured, bytes);
        return bytes;
    }

    private byte[] CreateRandomKey()
    {
        Log.RandomSigningKey(_logger);
        return RandomNumberGenerator.GetBytes(MacLength);
    }

    private sealed record SigningKey(string? Source, byte[] Bytes);
}
