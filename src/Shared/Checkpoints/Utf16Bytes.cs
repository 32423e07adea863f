using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Iteration.Streaming.Checkpoints;

/// <summary>
/// A checkpoint's text is kept as UTF-16LE bytes: every .NET string round-trips exactly (a delta may end inside a
/// surrogate pair, or hold NUL or a lone surrogate, which UTF-8 would not keep), and its length is the offset's unit.
/// </summary>
internal static class Utf16Bytes
{
    public static byte[] From(string text)
    {
        var bytes = new byte[text.Length * 2];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(text.AsSpan()).CopyTo(bytes);
        }
        else
        {
            for (var i = 0; i < text.Length; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), text[i]);
            }
        }

        return bytes;
    }

    /// <summary>Decodes <paramref name="bytes"/> into <paramref name="destination"/> (its length is half theirs).</summary>
    public static void CopyTo(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, char>(bytes).CopyTo(destination);
            return;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (char)BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]);
        }
    }
}
