using Iteration.Streaming.Files;

namespace Iteration.Streaming.Azure.Storage.Blobs.Files;

/// <summary>
/// The blob names the sink uses in its container. Generated paths never become blob names: content is named by its
/// SHA-256 and generation ids are checked before they are used.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>content/{sha256}</c>: a file's bytes, shared by every generation that lists them.</item>
/// <item><c>generations/{id}/manifest.json</c>: the generation's manifest; the only thing reads go through.</item>
/// <item><c>generations/{id}/intents/{n}.json</c>: a save in progress (the manifest it is about to write), so that a
/// concurrent retention sweep keeps the content that save is about to list. Removed once the manifest is written; one
/// left by a failed save is removed with its generation.</item>
/// <item><c>generations/{id}/dropped/{n}.json</c>: written by earlier versions only (the manifest's history now names
/// what a save stops listing): contents the generation no longer listed. Not references: deleting the generation
/// considers them, with the manifest's.</item>
/// </list>
/// </remarks>
internal static class BlobLayout
{
    public const string ContentPrefix = "content/";
    public const string GenerationsPrefix = "generations/";
    private const string ManifestName = "manifest.json";
    private const string IntentsFolder = "intents/";

    public static string Content(string sha256) => ContentPrefix + sha256;

    public static string GenerationFolder(string generationId) => GenerationsPrefix + generationId + "/";

    public static string Manifest(string generationId) => GenerationFolder(generationId) + ManifestName;

    public static string NewIntent(string generationId) => GenerationFolder(generationId) + IntentsFolder + Guid.NewGuid().ToString("N") + ".json";

    /// <summary>
    /// Reads a listed blob name under <c>generations/</c>: whether it is a reference (a manifest or an intent), whose it
    /// is, and whether it is an intent.
    /// </summary>
    public static bool TryParseGenerationBlob(string name, out string generationId, out bool isIntent)
    {
        generationId = string.Empty;
        isIntent = false;
        if (!name.StartsWith(GenerationsPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = name.AsSpan(GenerationsPrefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return false;
        }

        var id = rest[..slash].ToString();
        var tail = rest[(slash + 1)..];
        if (!GenerationStorageId.IsValid(id))
        {
            return false;
        }

        generationId = id;
        if (tail.SequenceEqual(ManifestName))
        {
            return true;
        }

        isIntent = tail.StartsWith(IntentsFolder, StringComparison.Ordinal) && tail.EndsWith(".json", StringComparison.Ordinal);
        return isIntent;
    }

    /// <summary>Whether <paramref name="value"/> is a lowercase hex SHA-256, as content blob names are.</summary>
    public static bool IsSha256(string? value)
    {
        if (value is not { Length: 64 })
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }
}
