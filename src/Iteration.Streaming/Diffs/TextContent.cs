using System.Text;

namespace Iteration.Streaming.Diffs;

/// <summary>Tells text from binary content the way <c>git</c> does closely enough for a diff: strict UTF-8 without NUL.</summary>
internal static class TextContent
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes <paramref name="bytes"/> as text, or returns <see langword="false"/> when it is binary.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out string text)
    {
        text = string.Empty;
        if (bytes.IndexOf((byte)0) >= 0)
        {
            return false;
        }

        try
        {
            text = Strict.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
