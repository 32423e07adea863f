using System.Security.Cryptography;
using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.Security;

/// <summary>
/// The file behind <see cref="IterationStreamingOptions.SigningKeyFile"/>: a random key made on first start and read on
/// every later one, as ASP.NET Core Data Protection keeps its keys, so tokens outlive a restart.
/// </summary>
internal static class SigningKeyFile
{
    private const string Setting = IterationStreamingOptions.SectionName + ":" + nameof(IterationStreamingOptions.SigningKeyFile);

    /// <summary>Reads the key in <paramref name="path"/>, first creating the file (and its folder) with a new key when there is none.</summary>
    /// <exception cref="InvalidOperationException">The file cannot be read or created, or holds a key too short to use.</exception>
    public static string ReadOrCreate(string path)
    {
        try
        {
            return TryRead(path) ?? Create(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"The signing key file '{path}' ({Setting}) cannot be read or created: {ex.Message} Point {Setting} at a file this process may write, or set {IterationStreamingOptions.SectionName}:{nameof(IterationStreamingOptions.SigningKey)}.",
                ex);
        }
    }

    private static string Create(string path)
    {
        if (Path.GetDirectoryName(path) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // A secret: readable by the owner only, from its first byte.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(temp, options))
        {
            writer.Write(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }

        try
        {
            // Never overwrites: of two processes starting at once, one wins the rename and both read its key.
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
        }

        return TryRead(path) ?? throw new IOException("The file vanished right after it was written.");
    }

    private static string? TryRead(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var key = File.ReadAllText(path).Trim();
        return key.Length >= IterationStreamingOptionsCustomValidator.MinSigningKeyLength
            ? key
            : throw new InvalidOperationException(
                $"The signing key file '{path}' ({Setting}) holds {key.Length} characters; a key needs at least {IterationStreamingOptionsCustomValidator.MinSigningKeyLength}. Delete the file to get a new key (tokens issued with the old one stop working), or set {IterationStreamingOptions.SectionName}:{nameof(IterationStreamingOptions.SigningKey)}.");
    }
}
