using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Sample.Web.Tests.Durability;

/// <summary>
/// Runs generations on the sample host in a child process and stops the host at random points (SIGKILL or SIGTERM),
/// restarting it on the same data folder each time, while watchers follow every generation across the restarts.
/// Then checks what a user would: every generation completed, every watcher saw ids 1..N exactly once, no saved phase
/// was generated again, and the files, their manifest and the log agree.
/// </summary>
internal sealed class KillLoop(bool graceful, int seed)
{
    private const int LiveGenerations = 3;
    private readonly List<GenerationWatcher> _watchers = [];
    private readonly List<(int JournalLines, HashSet<(string Id, int Phase)> Saved)> _checkpoints = [];
    private readonly string _data = Directory.CreateTempSubdirectory("iteration-kill-loop-").FullName;
    private readonly int _port = SampleProcess.FreePort();

    public IReadOnlyList<GenerationWatcher> Watchers => _watchers;

    public string Journal => Path.Combine(_data, "journal.txt");

    private string[] Settings =>
    [
        "--Demo:FileDelay=00:00:00.015",
        $"--Demo:Journal={Journal}",
        "--IterationStreaming:RetryInterval=00:00:00.100",
        "--IterationStreaming:MaxResumeAttempts=1000",
        "--IterationStreaming:MaxConcurrentGenerations=4",
        // The files of a generation that ended early in the loop are read at its end, minutes later on a busy machine.
        "--IterationStreaming:TerminalGracePeriod=01:00:00",
    ];

    public async Task RunAsync(int stops)
    {
        var random = new Random(seed);
        for (var cycle = 0; cycle < stops; cycle++)
        {
            await using var host = await SampleProcess.StartAsync(_data, _port, Settings);
            using var client = Client();
            while (_watchers.Count(w => !w.IsFinished) < LiveGenerations)
            {
                _watchers.Add(await GenerationWatcher.StartAsync(client, $"Kill loop app {_watchers.Count}", "User", "Task"));
            }

            // Stop after a random number of further events: anywhere in a phase (mid-file too: the demo writes each file
            // in live pieces, about five events a file), between phases, mid-save.
            var target = random.Next(1, 30) * 5;
            var seen = 0;
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var stop = new CancellationTokenSource();
            var readers = _watchers.Where(w => !w.IsFinished)
                .Select(w => w.ReadAsync(client, () =>
                {
                    if (Interlocked.Increment(ref seen) >= target)
                    {
                        reached.TrySetResult();
                    }
                }, stop.Token))
                .ToList();
            try
            {
                await Task.WhenAny(reached.Task, Task.WhenAll(readers)).WithPatience();
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException(
                    $"Cycle {cycle}: {seen} of {target} events; watchers at {string.Join(", ", _watchers.Select(w => w.LastId))}. Host output:\n{string.Join('\n', host.Output.TakeLast(40))}",
                    ex);
            }

            // What the watchers hold now is durable: it must never be generated again.
            _checkpoints.Add((ReadJournal().Count, SavedPhases()));
            if (graceful)
            {
                await host.TerminateAsync();
            }
            else
            {
                await host.KillAsync();
            }

            await stop.CancelAsync();
            await Task.WhenAll(readers).WithPatience();
        }

        await using var last = await SampleProcess.StartAsync(_data, _port, Settings);
        using var final = Client();

        // The uninterrupted run the files are compared with goes beside the last runs, not after them.
        var reference = await GenerationWatcher.StartAsync(final, "Kill loop app reference", "User", "Task");
        while (_watchers.Append(reference).Any(w => !w.IsFinished))
        {
            await Task.WhenAll(_watchers.Append(reference).Select(w => w.ReadAsync(final, static () => { }, CancellationToken.None))).WithPatience();
        }

        await VerifyFilesAsync(final, reference);
        await last.TerminateAsync();
    }

    /// <summary>No phase whose completion a watcher had received was generated again afterwards.</summary>
    public List<string> PhasesGeneratedAgain()
    {
        var journal = ReadJournal();
        var problems = new List<string>();
        foreach (var (lines, saved) in _checkpoints)
        {
            for (var i = lines; i < journal.Count; i++)
            {
                if (saved.Contains(journal[i]))
                {
                    problems.Add($"{journal[i].Id} phase {journal[i].Phase} generated again (journal line {i + 1}) after its phase_{journal[i].Phase}_complete was received");
                }
            }
        }

        return problems;
    }

    public void DeleteData()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private HttpClient Client() => new() { BaseAddress = new Uri($"http://127.0.0.1:{_port}"), Timeout = TimeSpan.FromSeconds(30) };

    private HashSet<(string, int)> SavedPhases()
    {
        var saved = new HashSet<(string, int)>();
        foreach (var watcher in _watchers)
        {
            foreach (var (_, progress) in watcher.Received)
            {
                if (progress.Stage.EndsWith("_complete", StringComparison.Ordinal) && GenerationStages.TryGetPhase(progress.Stage, out var phase))
                {
                    saved.Add((watcher.GenerationId, phase));
                }
            }
        }

        return saved;
    }

    private List<(string Id, int Phase)> ReadJournal()
    {
        if (!File.Exists(Journal))
        {
            return [];
        }

        var entries = new List<(string, int)>();
        using var stream = new FileStream(Journal, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            // A kill can cut the last line short: only whole lines count.
            var parts = line.Split(' ');
            if (parts.Length == 3 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var phase) && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                entries.Add((parts[0], phase));
            }
        }

        return entries;
    }

    /// <summary>Every generation's files match its manifest and the files of an uninterrupted run of the same request.</summary>
    private async Task VerifyFilesAsync(HttpClient client, GenerationWatcher reference)
    {
        var expected = await FilesAsync(client, reference);
        expected.Should().NotBeEmpty();
        foreach (var watcher in _watchers)
        {
            var files = await FilesAsync(client, watcher);
            files.Should().BeEquivalentTo(expected, $"generation {watcher.GenerationId} must end with the files an uninterrupted run writes");
            var completed = watcher.Received[^1].Event;
            completed.Message.Should().EndWith($"with {files.Count} files");
        }
    }

    /// <summary>A generation's files (path to SHA-256), each checked against its manifest entry.</summary>
    public static async Task<Dictionary<string, string>> FilesAsync(HttpClient client, GenerationWatcher watcher)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/generations/{watcher.GenerationId}/files");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", watcher.SseToken);
        using var response = await client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var list = (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationFileList))!;
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in list.Files)
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, $"/generations/{watcher.GenerationId}/files/{file.Path}");
            get.Headers.Authorization = new AuthenticationHeaderValue("Bearer", watcher.SseToken);
            using var content = await client.SendAsync(get);
            content.StatusCode.Should().Be(HttpStatusCode.OK, $"{file.Path} is listed");
            var bytes = await content.Content.ReadAsByteArrayAsync();
            Convert.ToHexStringLower(SHA256.HashData(bytes)).Should().Be(file.Sha256, $"{file.Path} must be what the manifest says");
            files[file.Path] = file.Sha256;
        }

        return files;
    }
}
