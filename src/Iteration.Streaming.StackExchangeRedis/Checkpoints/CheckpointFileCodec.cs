using System.Buffers.Binary;
using System.Text;
using Iteration.Streaming.Files;

namespace Iteration.Streaming.StackExchangeRedis.Checkpoints;

/// <summary>
/// A checkpoint file as one Redis value: a flags byte (1 deleted, 2 has a writer), the writer's UTF-8 length (4 bytes,
/// little-endian) and bytes, then the content as it is (binary safe).
/// </summary>
internal static class CheckpointFileCodec
{
    private const byte Deleted = 1;
    private const byte HasWriter = 2;
    private const int HeaderLength = 5;

    public static byte[] Encode(GeneratedFile file)
    {
        var writer = file.WrittenBy is null ? [] : Encoding.UTF8.GetBytes(file.WrittenBy);
        var bytes = new byte[HeaderLength + writer.Length + file.Content.Length];
        bytes[0] = (byte)((file.IsDelete ? Deleted : 0) | (file.WrittenBy is null ? 0 : HasWriter));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(1), writer.Length);
        writer.CopyTo(bytes, HeaderLength);
        file.Content.Span.CopyTo(bytes.AsSpan(HeaderLength + writer.Length));
        return bytes;
    }

    /// <summary>The file stored as <paramref name="bytes"/>, or null when they are not a file of this codec.</summary>
    public static GeneratedFile? Decode(string path, byte[] bytes)
    {
        if (bytes.Length < HeaderLength || (bytes[0] & ~(Deleted | HasWriter)) != 0)
        {
            return null;
        }

        var writerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(1));
        if (writerLength < 0 || writerLength > bytes.Length - HeaderLength)
        {
            return null;
        }

        return new GeneratedFile
        {
            Path = path,
            IsDelete = (bytes[0] & Deleted) != 0,
            WrittenBy = (bytes[0] & HasWriter) != 0 ? Encoding.UTF8.GetString(bytes, HeaderLength, writerLength) : null,
            Content = bytes.AsMemory(HeaderLength + writerLength),
        };
    }
}
