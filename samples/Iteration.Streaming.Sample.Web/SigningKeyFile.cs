using System.Security.Cryptography;

namespace Iteration.Streaming.Sample.Web;

/// <summary>
/// The sample's stream-token signing key, kept in a file under <c>data/</c> when <c>IterationStreaming:SigningKey</c> is
/// not configured: tokens then stay valid across a restart (and between instances started from the same folder), so a
/// reconnecting page learns what became of its generation instead of being refused with 401.
/// </summary>
internal static class SigningKeyFile
{
    public const string ConfigurationKey = "Sample:SigningKeyFile";
    public const string DefaultPath = "data/signing-key";

    /// <summary>Reads the key, creating the file with a random key first when there is none.</summary>
    public static string ReadOrCreate(string path)
    {
        if (TryRead(path) is { } existing)
        {
            return existing;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(temp, options))
        {
            writer.Write(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }

        try
        {
            // Atomic: an instance starting at the same moment either wins the rename or reads the winner's key.
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
        }

        return TryRead(path) ?? throw Invalid(path);
    }

    private static string? TryRead(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var key = File.ReadAllText(path).Trim();
        return key.Length >= 32 ? key : throw Invalid(path);
    }

    private static InvalidOperationException Invalid(string path) => new(
        $"The signing key file '{path}' must hold at least 32 characters. Delete it to get a new key, or set IterationStreaming:SigningKey.");
}
