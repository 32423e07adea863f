namespace Iteration.Streaming.Files;

/// <summary>
/// Which generation ids a sink accepts: letters, digits, '-' and '_', up to 128 characters (a UUID fits). Ids come from
/// URLs, so a sink answers "not found" for anything else and never builds a storage path from it.
/// </summary>
internal static class GenerationStorageId
{
    public const int MaxLength = 128;

    public static bool IsValid(string? generationId)
    {
        if (string.IsNullOrEmpty(generationId) || generationId.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in generationId)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    public static void ThrowIfInvalid(string? generationId, string paramName)
    {
        if (!IsValid(generationId))
        {
            throw new ArgumentException(
                $"A generation id must be 1 to {MaxLength} ASCII letters, digits, '-' or '_'.", paramName);
        }
    }
}
