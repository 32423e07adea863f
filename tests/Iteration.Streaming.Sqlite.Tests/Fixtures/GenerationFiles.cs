using Iteration.Streaming.Files;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.CheckpointTesting;

/// <summary>Reads a generation's saved files from a host's sink, for comparing two runs (shared by the SQLite and Redis tests).</summary>
public static class GenerationFiles
{
    /// <summary>Every file of the generation's manifest: path, phase and text.</summary>
    public static async Task<List<(string Path, int Phase, string Text)>> ReadAsync(IServiceProvider services, string generationId)
    {
        var sink = services.GetRequiredService<IFileSink>();
        var manifest = await sink.GetManifestAsync(generationId) ?? throw new InvalidOperationException($"Generation '{generationId}' has no manifest.");
        var files = new List<(string, int, string)>();
        foreach (var file in manifest.Files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            await using var stream = await sink.OpenReadAsync(generationId, file.Path) ?? throw new InvalidOperationException($"'{file.Path}' is listed but cannot be read.");
            using var reader = new StreamReader(stream);
            files.Add((file.Path, file.Phase, await reader.ReadToEndAsync()));
        }

        return files;
    }
}
