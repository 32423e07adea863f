using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Iteration.Streaming.AspNetCore.Streams.Multiplex;

/// <summary>
/// The integrity check at the end of a multiplexed stream's cursor: a 64-bit keyed checksum over its watermark and every
/// member's position, so a cursor changed by hand, cut short or corrupted on the way is refused instead of silently
/// resuming a member at the wrong place.
/// </summary>
/// <remarks>
/// Each member has a secret odd multiplier (8 bytes of an HMAC of the stream's tag and the member: its index in a watch
/// set, its id in an owner's stream), made once when it joins; the check is a mix of <c>Σ multiplier × (position + 2)</c>
/// (1 for a done member) and the watermark's own term. Writing it costs one multiply-add per member per event, where an
/// HMAC of the whole cursor would cost a microsecond per event per watcher. It is an integrity check, not a signature: the
/// cursor grants nothing (it only names positions in logs its holder reads anyway), so a holder who worked the
/// multipliers out could only move their own positions.
/// </remarks>
internal sealed class CursorSeal
{
    /// <summary>The check's length in characters (base64url of 8 bytes).</summary>
    public const int Length = 11;

    private readonly byte[] _key;
    private readonly string _tag;
    private readonly ulong _final;

    public CursorSeal(byte[] key, string tag)
    {
        _key = key;
        _tag = tag;
        _final = Multiplier("final");
        WatermarkKey = Multiplier("watermark");
    }

    /// <summary>The watermark's multiplier.</summary>
    public ulong WatermarkKey { get; }

    /// <summary>A member's multiplier: a watch set's by its index, an owner's stream's by its id.</summary>
    public ulong MemberKey(string member) => Multiplier("member:" + member);

    /// <summary>A watch set member's multiplier.</summary>
    public ulong MemberKey(int index) => MemberKey(index.ToString(CultureInfo.InvariantCulture));

    /// <summary>One member's term of the sum.</summary>
    public static ulong Term(ulong key, bool done, long sequence) => key * (done ? 1UL : (ulong)sequence + 2);

    /// <summary>Writes the check of <paramref name="sum"/> (<see cref="Length"/> ASCII bytes).</summary>
    public void Write(ulong sum, Span<byte> destination)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, Mix(sum ^ _final));
        Base64Url.EncodeToUtf8(bytes, destination);
    }

    /// <summary>The check of <paramref name="sum"/> as text.</summary>
    public string Text(ulong sum)
    {
        Span<byte> text = stackalloc byte[Length];
        Write(sum, text);
        return Encoding.ASCII.GetString(text);
    }

    /// <summary>Whether <paramref name="check"/> is the check of <paramref name="sum"/>, in constant time.</summary>
    public bool Holds(ReadOnlySpan<char> check, ulong sum)
    {
        Span<byte> expected = stackalloc byte[Length];
        Write(sum, expected);
        Span<byte> presented = stackalloc byte[Length];
        if (check.Length != Length || Encoding.ASCII.GetBytes(check, presented) != Length)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    /// <summary>The finaliser of MurmurHash3: every bit of the sum reaches every bit of the check.</summary>
    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdUL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53UL;
        return x ^ (x >> 33);
    }

    private ulong Multiplier(string what)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(_tag + "\0" + what), mac);

        // Odd: a change of any one position always changes the sum.
        return BinaryPrimitives.ReadUInt64BigEndian(mac) | 1;
    }
}
