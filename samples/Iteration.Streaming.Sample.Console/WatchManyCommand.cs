using System.Globalization;
using Iteration.Streaming.Client;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Sample.Console;

/// <summary>
/// <c>--watch-many N</c>: starts N generations of one prompt, then follows all of them over a single connection
/// (<see cref="IterationClient.WatchManyAsync"/>), a line per event tagged with the generation, and a summary at the end.
/// </summary>
internal sealed class WatchManyCommand(IterationClient client, TextWriter output)
{
    /// <returns>The exit code: 0 when every generation completed, 1 otherwise (2 for a refused start).</returns>
    public async Task<int> RunAsync(string prompt, IReadOnlyList<string> entities, int count, CancellationToken cancellationToken)
    {
        var handles = new List<GenerationHandle>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                handles.Add(await client.StartAsync($"{prompt} (#{i + 1})", entities, cancellationToken));
            }
        }
        catch (IterationApiException e)
        {
            await output.WriteLineAsync($"The server refused to start generation #{handles.Count + 1}: {e.Message}");
            return 2;
        }

        await output.WriteLineAsync($"Started {count} generations; watching them over one connection. Ctrl+C stops watching (the runs go on).");
        var last = handles.ToDictionary(h => h.GenerationId, _ => (StreamingProgressEvent?)null, StringComparer.Ordinal);
        try
        {
            await foreach (var e in client.WatchManyAsync(handles, new WatchManyOptions { From = WatchManyFrom.Start }, cancellationToken))
            {
                last[e.GenerationId] = e;
                await output.WriteLineAsync(Line(e));
            }
        }
        catch (IterationApiException e)
        {
            await output.WriteLineAsync($"Cannot watch the generations: {e.Message}");
            return 1;
        }
        catch (IterationStreamException e)
        {
            await output.WriteLineAsync($"Lost the stream: {e.Message}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await output.WriteLineAsync("Stopped watching.");
        }

        await output.WriteLineAsync();
        foreach (var (id, e) in last)
        {
            await output.WriteLineAsync($"{id}  {e?.Status ?? "not seen"}");
        }

        return last.Values.All(e => e?.Status == GenerationStatus.Completed) ? 0 : 1;
    }

    /// <summary>One event as a line: the generation's short id, the progress, the stage and the message.</summary>
    public static string Line(StreamingProgressEvent e) =>
        string.Create(CultureInfo.InvariantCulture, $"[{Short(e.GenerationId)}] {e.Progress,4:P0} {e.Stage,-26} {e.Message}");

    private static string Short(string generationId) => generationId.Length <= 8 ? generationId : generationId[..8];
}
