using System.Buffers;
using System.Buffers.Text;

namespace Iteration.Streaming.Security;

/// <summary>The text form of our signed values (<c>base64url(payload).base64url(mac)</c>): its alphabet and a decoder that never throws.</summary>
internal static class SignedText
{
    private static readonly SearchValues<char> Base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>Whether <paramref name="token"/> is two non-empty base64url parts around one dot; the dot's index.</summary>
    public static bool TrySplit(string token, out int dot)
    {
        dot = token.IndexOf('.', StringComparison.Ordinal);
        return dot > 0
            && !token.AsSpan(0, dot).ContainsAnyExcept(Base64UrlAlphabet)
            && !token.AsSpan(dot + 1).ContainsAnyExcept(Base64UrlAlphabet);
    }

    /// <summary>Base64Url's TryDecode answers false only for a short destination: a malformed length or stray trailing bits throw.</summary>
    public static bool TryDecode(ReadOnlySpan<char> source, Span<byte> destination, out int bytesWritten)
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
