using System.Buffers;
using System.Text.Json;
using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Generation;

/// <summary>
/// Cheap checks on the saved files: empty files, and paths that collide on a case-insensitive file system (two files
/// differing only by case, or a file that is also a folder of another). Reports under <c>partial_output.quality</c>.
/// </summary>
internal sealed class DefaultQualityAssessor : IQualityAssessor
{
    public const string OutputKey = "quality";
    public const int MaxListed = 50;

    public ValueTask<IReadOnlyDictionary<string, JsonElement>?> AssessAsync(QualityAssessmentContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();

        var files = context.Files.Files;
        var empty = files.Where(static f => f.Size == 0).Select(static f => f.Path).ToList();
        var collisions = FindCollisions(files);

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("file_count", files.Count);
            writer.WriteNumber("total_bytes", context.Files.TotalBytes);
            writer.WriteNumber("issues", empty.Count + collisions.Count);
            writer.WriteBoolean("passed", empty.Count == 0 && collisions.Count == 0);
            WriteList(writer, "empty_files", empty);
            WriteList(writer, "duplicate_paths", collisions);
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        var summary = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { [OutputKey] = document.RootElement.Clone() };
        return ValueTask.FromResult<IReadOnlyDictionary<string, JsonElement>?>(summary);
    }

    private static List<string> FindCollisions(IReadOnlyList<GenerationFile> files)
    {
        var byFolded = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var collisions = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (!byFolded.TryAdd(file.Path, file.Path))
            {
                collisions.Add(byFolded[file.Path]);
                collisions.Add(file.Path);
            }
        }

        foreach (var file in files)
        {
            // "a/b" as a folder of "a/b/c.txt" while "a/b" is also a file: one of them cannot be extracted.
            for (var slash = file.Path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = file.Path.IndexOf('/', slash + 1))
            {
                if (byFolded.TryGetValue(file.Path[..slash], out var asFile))
                {
                    collisions.Add(asFile);
                    collisions.Add(file.Path);
                }
            }
        }

        return [.. collisions];
    }

    private static void WriteList(Utf8JsonWriter writer, string name, List<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values.Take(MaxListed))
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
