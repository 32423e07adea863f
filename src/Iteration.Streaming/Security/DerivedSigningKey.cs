using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Security;

/// <summary>
/// An HMAC-SHA256 key derived with HKDF from <see cref="IterationStreamingOptions.SigningKey"/> under a purpose of its
/// own (<c>info</c>), so a value signed for one purpose never verifies for another, and every instance sharing the
/// signing key derives the same key. Follows a changed signing key; without one, a random key per instance of this
/// class (made once, when first needed).
/// </summary>
internal sealed class DerivedSigningKey
{
    /// <summary>The key's length in bytes (that of an HMAC-SHA256).</summary>
    public const int Length = HMACSHA256.HashSizeInBytes;

    private readonly IOptionsMonitor<IterationStreamingOptions> _options;
    private readonly byte[] _info;
    private readonly Lazy<byte[]> _randomKey;
    private Derived? _key;

    /// <param name="options">The options holding the signing key.</param>
    /// <param name="info">The purpose the key is derived for.</param>
    /// <param name="onRandomKey">Called once when no signing key is configured and a random key is made.</param>
    public DerivedSigningKey(IOptionsMonitor<IterationStreamingOptions> options, ReadOnlySpan<byte> info, Action? onRandomKey = null)
    {
        _options = options;
        _info = info.ToArray();
        _randomKey = new Lazy<byte[]>(
            () =>
            {
                onRandomKey?.Invoke();
                return RandomNumberGenerator.GetBytes(Length);
            },
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The key for the signing key configured now.</summary>
    public byte[] Get()
    {
        var configured = _options.CurrentValue.SigningKey;
        if (_key is { } key && string.Equals(key.Source, configured, StringComparison.Ordinal))
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
            bytes = new byte[Length];
            HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(configured), bytes, salt: [], info: _info);
        }

        _key = new Derived(configured, bytes);
        return bytes;
    }

    private sealed record Derived(string? Source, byte[] Bytes);
}
