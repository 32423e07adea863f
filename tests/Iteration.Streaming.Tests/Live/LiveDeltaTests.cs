using Microsoft.Extensions.DependencyInjection;
using System.Text;
using System.Text.Json;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Tests.Engine;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Live;

public sealed class LiveDeltaTests
{
    private static EngineHarness Host(IPhaseGenerator generator, Action<IterationStreamingOptions>? configure = null) =>
        EngineHarness.Create(configure: configure, build: b => b.AddPhaseGenerator(_ => generator));

    private static IEnumerable<(string File, int Offset, string Text, int Chars, string? Tail)> Deltas(IEnumerable<StreamingProgressEvent> events) =>
        events.Where(e => e.PartialOutput?.ContainsKey(LiveOutputKeys.Offset) == true).Select(e =>
        {
            var output = e.PartialOutput!;
            return (output[LiveOutputKeys.File].GetString()!, output[LiveOutputKeys.Offset].GetInt32(), output[LiveOutputKeys.Text].GetString()!,
                output[LiveOutputKeys.Chars].GetInt32(), output.TryGetValue(LiveOutputKeys.Tail, out var tail) ? tail.GetString() : null);
        });

    [Fact]
    public async Task ReportLiveAsync_Deltas_BecomeEventsThatRebuildEachFileExactly()
    {
        var script = new LiveScript { FileLength = 900, Chunk = 70 };
        await using var host = Host(new LiveTextGenerator(script));
        var id = await host.Engine.StartAsync(new GenerationRequest("Build a todo app"));
        var events = await host.ReadToEndAsync(id);

        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (file, offset, text, chars, tail) in Deltas(events))
        {
            var known = texts.GetValueOrDefault(file, string.Empty);
            offset.Should().Be(known.Length, "each delta continues the file");
            texts[file] = known + text;
            chars.Should().Be(texts[file].Length);
            tail.Should().NotBeNull();
            texts[file].Should().EndWith(tail!);
        }

        events[^1].Status.Should().Be(GenerationStatus.Completed);
        texts.Should().HaveCount(3 * script.FilesPerPhase);
        texts.Should().AllSatisfy(pair => pair.Value.Should().Be(script.TextOf(int.Parse(pair.Key[5..6]), int.Parse(pair.Key[8..9]))));
        events.Where(e => e.PartialOutput?.ContainsKey(LiveOutputKeys.Offset) == true)
            .Should().OnlyContain(e => e.Stage.EndsWith("_progress") && e.CurrentFile != null && e.Message.StartsWith("Writing "));
    }

    [Fact]
    public async Task ReportLiveAsync_ALongDelta_IsSplitIntoEventsOfAtMost4096Characters_NeverInsideASurrogatePair()
    {
        var script = new LiveScript { FilesPerPhase = 1, FileLength = 20_000, Chunk = 20_000 };
        await using var host = Host(new LiveTextGenerator(script));
        var id = await host.Engine.StartAsync(new GenerationRequest("Build a todo app"));
        var events = await host.ReadToEndAsync(id);

        var deltas = Deltas(events).Where(d => d.File == LiveScript.PathOf(1, 0)).ToList();

        deltas.Should().HaveCountGreaterThan(4);
        deltas.Should().OnlyContain(d => d.Text.Length <= 4_096 && d.Text.Length > 0 && !char.IsLowSurrogate(d.Text[0]));
        string.Concat(deltas.Select(d => d.Text)).Should().Be(script.TextOf(1, 0));
    }

    [Fact]
    public async Task ReportLiveAsync_AnOffsetThatSkipsText_FailsThePhaseNamingBoth()
    {
        await using var host = Host(new DeltaGenerator(new PhaseLiveUpdate { File = "a.txt", Offset = 0, Text = "abc" }, new PhaseLiveUpdate { File = "a.txt", Offset = 5, Text = "x" }));
        var id = await host.Engine.StartAsync(new GenerationRequest("Build a todo app"));
        var events = await host.ReadToEndAsync(id);

        events[^1].Status.Should().Be(GenerationStatus.Failed);
        events[^1].Error.Should().Contain("a.txt").And.Contain("offset 5").And.Contain("3 characters");
    }

    [Fact]
    public async Task ReportLiveAsync_ANewFileNotStartingAtZero_FailsThePhase()
    {
        await using var host = Host(new DeltaGenerator(new PhaseLiveUpdate { File = "a.txt", Offset = 2, Text = "abc" }));
        var id = await host.Engine.StartAsync(new GenerationRequest("Build a todo app"));
        var events = await host.ReadToEndAsync(id);

        events[^1].Status.Should().Be(GenerationStatus.Failed);
        events[^1].Error.Should().Contain("offset 2").And.Contain("0 characters");
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("a\0b")]
    public async Task ReportLiveAsync_AHostilePath_FailsThePhase(string path)
    {
        await using var host = Host(new DeltaGenerator(new PhaseLiveUpdate { File = path, Offset = 0, Text = "abc" }));
        var id = await host.Engine.StartAsync(new GenerationRequest("Build a todo app"));
        var events = await host.ReadToEndAsync(id);

        events[^1].Status.Should().Be(GenerationStatus.Failed);
        events.Should().NotContain(e => e.PartialOutput != null && e.PartialOutput.ContainsKey(LiveOutputKeys.Offset));
    }

    [Fact]
    public async Task ReportLiveAsync_AResumeStateOverTheCap_FailsThePhaseNamingTheSetting()
    {
        await using var host = Host(
            new DeltaGenerator(new PhaseLiveUpdate { File = "a.txt", Text = "abc", ResumeState = new byte[2048] }),
            o => o.Checkpoints.MaxResumeStateBytes = 1024);
        var id = await host.Engine.StartAsync(new GenerationRequest("Build a todo app"));
        var events = await host.ReadToEndAsync(id);

        events[^1].Status.Should().Be(GenerationStatus.Failed);
        events[^1].Error.Should().Contain("Checkpoints:MaxResumeStateBytes");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4_001)]
    public async Task ReportLiveAsync_ATailLengthOutOfRange_FailsThePhase(int tailLength)
    {
        await using var host = Host(new DeltaGenerator(new PhaseLiveUpdate { File = "a.txt", Text = "abc", TailLength = tailLength }));
        var id = await host.Engine.StartAsync(new GenerationRequest("Build a todo app"));
        var events = await host.ReadToEndAsync(id);

        events[^1].Status.Should().Be(GenerationStatus.Failed);
        events[^1].Error.Should().Contain("tail");
    }

    [Fact]
    public async Task ReportLiveAsync_ATextLongerThanMaxFileSize_FailsThePhase()
    {
        await using var host = Host(new DeltaGenerator(new PhaseLiveUpdate { File = "a.txt", Text = new string('x', 2_000) }), o => o.MaxFileSize = 1_000);
        var id = await host.Engine.StartAsync(new GenerationRequest("Build a todo app"));
        var events = await host.ReadToEndAsync(id);

        events[^1].Status.Should().Be(GenerationStatus.Failed);
        events[^1].Error.Should().Contain("MaxFileSize");
    }

    [Fact]
    public async Task ReportLiveAsync_ATailOfZero_LeavesTheTailOut()
    {
        await using var host = Host(new DeltaGenerator(new PhaseLiveUpdate { File = "a.txt", Text = "line\nmore", TailLength = 0 }));
        var id = await host.Engine.StartAsync(new GenerationRequest("Build a todo app"));
        var events = await host.ReadToEndAsync(id);

        Deltas(events).Should().ContainSingle().Which.Tail.Should().BeNull();
    }

    [Fact]
    public async Task NoPhaseProgress_ReportLiveAsync_DoesNothing()
    {
        IPhaseProgress progress = NoPhaseProgress.Instance;

        var report = () => progress.ReportLiveAsync(new PhaseLiveUpdate { File = "a.txt", Text = "x" }).AsTask();

        await report.Should().NotThrowAsync();
    }

    /// <summary>Reports the given updates in phase 1, then writes one file per phase.</summary>
    private sealed class DeltaGenerator(params PhaseLiveUpdate[] updates) : IPhaseGenerator
    {
        public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            if (context.Phase.Number == 1)
            {
                foreach (var update in updates)
                {
                    await context.Progress.ReportLiveAsync(update, cancellationToken);
                }
            }

            yield return GeneratedFile.FromText($"p{context.Phase.Number}.txt", "done");
        }
    }
}
