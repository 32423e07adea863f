using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Security;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.AspNetCore.Security;

/// <summary>
/// The opaque <c>cursor</c> of <c>GET {prefix}?owner=me</c>: <c>base64url(payload ‖ HMAC-SHA256(key, payload ‖ binding))</c>,
/// where the payload is a version byte, the position's creation time (Unix milliseconds, big-endian) and its generation
/// id (UTF-8), and the binding (signed, never sent) is the SHA-256 of the user id and the status filter. So a cursor
/// opens only the list it came from: another user's, or the same user's under another status, reads as tampered.
/// </summary>
/// <remarks>
/// The key is derived with HKDF from <see cref="IterationStreamingOptions.SigningKey"/> under its own <c>info</c>, so a
/// cursor is never a valid stream token nor the reverse, and every instance sharing the signing key reads the cursors of
/// the others. Without a signing key the key is random per mapped group, like the stream tokens' (after a restart, a
/// cursor is refused and the client starts again from the first page). Cursors do not expire: a position stays a
/// position, and a generation deleted meanwhile only leaves the list.
/// </remarks>
internal sealed class GenerationListCursor(IOptionsMonitor<IterationStreamingOptions> options)
{
    /// <summary>The longest cursor accepted, in characters.</summary>
    public const int MaxLength = 512;

    private const byte Version = 1;
    private const int HeaderLength = 1 + sizeof(long);
    private const int MacLength = HMACSHA256.HashSizeInBytes;

    private readonly DerivedSigningKey _key = new(options, KeyInfo);

    private static ReadOnlySpan<byte> KeyInfo => "Iteration.Streaming/list-cursor/v1"u8;

    /// <summary>The cursor of <paramref name="position"/> in <paramref name="userId"/>'s list under <paramref name="status"/>.</summary>
    public string Write(GenerationRecordPosition position, string userId, string? status)
    {
        var idLength = Encoding.UTF8.GetByteCount(position.GenerationId);
        var bytes = new byte[HeaderLength + idLength + MacLength];
        bytes[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), position.CreatedAt.ToUnixTimeMilliseconds());
        Encoding.UTF8.GetBytes(position.GenerationId, bytes.AsSpan(HeaderLength));
        Sign(bytes.AsSpan(0, HeaderLength + idLength), userId, status, bytes.AsSpan(HeaderLength + idLength));
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>The position a cursor names, or <see langword="null"/> when it is malformed, too long, tampered or of another list.</summary>
    public GenerationRecordPosition? Read(string cursor, string userId, string? status)
    {
        if (cursor.Length is 0 or > MaxLength)
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[Base64Url.GetMaxDecodedLength(MaxLength)];
        try
        {
            if (!Base64Url.TryDecodeFromChars(cursor, bytes, out var length) || length < HeaderLength + 1 + MacLength)
            {
                return null;
            }

            bytes = bytes[..length];
        }
        catch (FormatException)
        {
            return null;
        }

        // One encoding per cursor: the unused bits of the last character may not vary either.
        Span<char> canonical = stackalloc char[MaxLength];
        if (!Base64Url.TryEncodeToChars(bytes, canonical, out var written) || !canonical[..written].SequenceEqual(cursor))
        {
            return null;
        }

        var payload = bytes[..^MacLength];
        Span<byte> expected = stackalloc byte[MacLength];
        Sign(payload, userId, status, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes[^MacLength..]) || payload[0] != Version)
        {
            return null;
        }

        var milliseconds = BinaryPrimitives.ReadInt64BigEndian(payload[1..]);
        string id;
        try
        {
            id = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(payload[HeaderLength..]);
        }
        catch (ArgumentException)
        {
            return null;
        }

        return milliseconds is < -62_135_596_800_000 or > 253_402_300_799_999 || !GenerationStorageId.IsValid(id)
            ? null
            : new GenerationRecordPosition(DateTimeOffset.FromUnixTimeMilliseconds(milliseconds), id);
    }

    private void Sign(ReadOnlySpan<byte> payload, string userId, string? status, Span<byte> mac)
    {
        // The binding: the user (hashed, so its length does not matter) and the status filter (one of a few fixed words).
        Span<byte> binding = stackalloc byte[SHA256.HashSizeInBytes + 1];
        SHA256.HashData(Encoding.UTF8.GetBytes(userId), binding);
        binding[^1] = StatusCode(status);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, GetKey());
        hmac.AppendData(payload);
        hmac.AppendData(binding);
        hmac.GetHashAndReset(mac);
    }

    private static byte StatusCode(string? status) => status switch
    {
        null => 0,
        GenerationStatus.Queued => 1,
        GenerationStatus.Processing => 2,
        GenerationStatus.AwaitingInput => 3,
        GenerationStatus.Completed => 4,
        GenerationStatus.Failed => 5,
        GenerationStatus.Cancelled => 6,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a generation status."),
    };

    private byte[] GetKey() => _key.Get();
}
