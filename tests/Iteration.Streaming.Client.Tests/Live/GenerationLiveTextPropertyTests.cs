using CsCheck;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using static Iteration.Streaming.Client.Tests.Live.LiveEvents;

namespace Iteration.Streaming.Client.Tests.Live;

/// <summary>
/// The rule holds for any stream a server can send: deltas of any size (split at 4,096 characters), files finished and
/// begun, a phase continued after a crash (its text repeated from the checkpoint), phases ending. Loading the live
/// state at any event and applying the rest rebuilds exactly what applying everything from the start does.
/// </summary>
public sealed class GenerationLiveTextPropertyTests
{
    private const int MaxDelta = 4_096;

    /// <summary>A phase: files as lists of report sizes; maybe a crash in file c after report r, continued from a checkpoint back by b characters.</summary>
    private static readonly Gen<(int[][] Files, (int File, int Report, int Back)? Crash)> PhaseGen =
        from files in Gen.Frequency((5, Gen.Int[0, 200]), (3, Gen.Int[200, 5_000]), (1, Gen.Int[5_000, 10_000])).Array[1, 5].Array[1, 3]
        from crash in Gen.Bool
        from file in Gen.Int[0, files.Length - 1]
        from report in Gen.Int[0, files[file].Length - 1]
        from back in Gen.Int[0, 3_000]
        select (files, crash ? (file, report, back) : ((int, int, int)?)null);

    [Fact]
    public void Load_AtAnyEventThenApplyTheRest_RebuildsWhatTheWatcherFromTheStartHas()
    {
        Gen.Select(PhaseGen.Array[1, 3], Gen.Int[0, int.MaxValue]).Sample((phases, at) =>
        {
            var (events, states, truth) = Simulate(phases);
            var fromStart = new GenerationLiveText();
            var lastTexts = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var e in events)
            {
                fromStart.Apply(e).Should().NotBe(GenerationLiveTextChange.Gap);
            }

            var k = at % (events.Count + 1);
            var reloaded = new GenerationLiveText();
            reloaded.Load(states[k]);
            foreach (var e in events.Skip(k))
            {
                reloaded.Apply(e).Should().NotBe(GenerationLiveTextChange.Gap);
            }

            Texts(fromStart).Should().Equal(truth);
            Texts(reloaded).Should().Equal(Texts(fromStart), $"loaded at event {k} of {events.Count}");
            reloaded.Paths.Should().Equal(fromStart.Paths);
        }, iter: 300);
    }

    private static Dictionary<string, string> Texts(GenerationLiveText texts) =>
        texts.Paths.ToDictionary(p => p, p => texts.TryGetText(p, out var t) ? t : throw new InvalidOperationException(), StringComparer.Ordinal);

    /// <summary>
    /// The events of a run as the engine appends them, the live state after each (states[k]: what /live answers at
    /// sequence k), and the texts of the last phase when the stream ends (mid-phase).
    /// </summary>
    private static (List<StreamingProgressEvent> Events, List<GenerationLive> States, Dictionary<string, string> Truth) Simulate(
        (int[][] Files, (int File, int Report, int Back)? Crash)[] phases)
    {
        var events = new List<StreamingProgressEvent>();
        var states = new List<GenerationLive> { State(null, 0, null) };
        var finished = new List<(string Path, string Text)>();
        string? current = null;
        var text = string.Empty;
        int? phase = null;

        void Append(StreamingProgressEvent e)
        {
            events.Add(e);
            var files = finished.Select(f => File(f.Path, f.Text, complete: true)).ToList();
            if (current is not null)
            {
                files.Add(File(current, text));
            }

            states.Add(State(phase, events.Count, current, [.. files]));
        }

        void Report(int number, string path, int offset, string delta)
        {
            if (current != path)
            {
                current = path;
                text = string.Empty;
            }

            for (var at = 0; at < delta.Length || at == 0; at += MaxDelta)
            {
                var chunk = delta.Substring(at, Math.Min(MaxDelta, delta.Length - at));
                text = text[..(offset + at)] + chunk;
                Append(Delta(number, path, offset + at, chunk));
                if (delta.Length == 0)
                {
                    break;
                }
            }
        }

        for (var p = 0; p < phases.Length; p++)
        {
            var number = p + 1;
            var (files, crash) = phases[p];
            finished.Clear();
            current = null;
            phase = number;
            Append(Event(GenerationStages.PhaseStarted(number)));
            for (var f = 0; f < files.Length; f++)
            {
                var path = $"src/p{number}/f{f}.ts";
                var whole = new string((char)('a' + f), files[f].Sum());
                var written = 0;
                for (var r = 0; r < files[f].Length; r++)
                {
                    Report(number, path, written, whole.Substring(written, files[f][r]));
                    written += files[f][r];
                    if (crash is { } c && c.File == f && c.Report == r)
                    {
                        // The run dies; the next one continues from a checkpoint a little behind what was sent.
                        var kept = Math.Max(0, written - c.Back);
                        text = text[..kept];
                        Append(Event(GenerationStages.Resumed, resumed: new ResumedMidPhase { Phase = number, File = path, Chars = kept, FilesKept = f }));
                        Append(Event(GenerationStages.PhaseStarted(number)));
                        Report(number, path, kept, whole[kept..written]);
                    }
                }

                finished.Add((path, whole));
                current = null;
                Append(Event(GenerationStages.PhaseProgress(number)) with { CurrentFile = path });
            }

            if (p < phases.Length - 1)
            {
                finished.Clear();
                phase = null;
                Append(Event(GenerationStages.PhaseComplete(number)));
            }
        }

        var truth = finished.ToDictionary(f => f.Path, f => f.Text, StringComparer.Ordinal);
        return (events, states, truth);
    }
}
