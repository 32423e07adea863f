using System.Text;
using System.Text.Json;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.EventLog;

/// <summary>
/// The frame an entry carries: <c>id: N\ndata: </c>, exactly the JSON the serializer's context writes, a blank line; built
/// through a reused writer whose options must escape as the context does.
/// </summary>
public sealed class EventFrameTests
{
    private const int RandomEvents = 5_000;

    public static TheoryData<string, string> GuideExamples => Streaming.Tests.Events.GuideExamples.All;

    [Fact]
    public void Create_RandomEvents_FrameCarriesExactlyTheContextsJson()
    {
        var random = new Random(20251016);

        for (var i = 0; i < RandomEvents; i++)
        {
            var progressEvent = RandomEvent(random);

            var expected = JsonSerializer.SerializeToUtf8Bytes(progressEvent, IterationStreamingJson.StreamingProgressEvent);
            var written = FrameJson(progressEvent);

            Encoding.UTF8.GetString(written).Should().Be(Encoding.UTF8.GetString(expected), "event {0} must serialise identically", i);
        }
    }

    [Theory]
    [MemberData(nameof(GuideExamples))]
    public void Create_GuideExample_FrameCarriesExactlyTheContextsJson(string name, string json)
    {
        var progressEvent = JsonSerializer.Deserialize(json, IterationStreamingJson.StreamingProgressEvent)!;

        var expected = JsonSerializer.SerializeToUtf8Bytes(progressEvent, IterationStreamingJson.StreamingProgressEvent);

        FrameJson(progressEvent).Should().Equal(expected, name);
    }

    [Fact]
    public void Create_EveryUtf16CodeUnit_IsEscapedLikeTheJsonContext()
    {
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var progressEvent = TestEvents.Stage("g", GenerationStages.Initializing) with { Message = "a" + (char)c + "b" };

            var framed = Encoding.UTF8.GetString(FrameJson(progressEvent));

            if (framed != Context(progressEvent))
            {
                framed.Should().Be(Context(progressEvent), "U+{0:X4} must be written as the serializer writes it", c);
            }
        }
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Create_NonFiniteProgress_ThrowsLikeTheJsonContext(double progress)
    {
        var progressEvent = TestEvents.Stage("g", GenerationStages.Initializing) with { Progress = progress };

        var context = () => JsonSerializer.SerializeToUtf8Bytes(progressEvent, IterationStreamingJson.StreamingProgressEvent);
        var frame = () => FrameJson(progressEvent);

        context.Should().Throw<ArgumentException>();
        frame.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Create_AfterAFailedWrite_StillWritesAWholeFrame()
    {
        var broken = TestEvents.Stage("g", GenerationStages.Initializing) with { Progress = double.NaN };
        var fine = TestEvents.Completed("g");
        var failed = () => EventLogEntry.Create(1, broken);
        failed.Should().Throw<ArgumentException>();

        var entry = EventLogEntry.Create(2, fine);

        var expectedJson = JsonSerializer.Serialize(fine, IterationStreamingJson.StreamingProgressEvent);
        Encoding.UTF8.GetString(entry.Frame.Span).Should().Be($"id: 2\ndata: {expectedJson}\n\n");
    }

    [Fact]
    public void Create_LargeEvent_WritesTheWholeJsonIntoTheFrame()
    {
        var large = TestEvents.Completed("g") with { Message = new string('x', 200_000) + "\u00e9\u2028<>&'\"" };

        var entry = EventLogEntry.Create(long.MaxValue, large);

        var expectedJson = JsonSerializer.Serialize(large, IterationStreamingJson.StreamingProgressEvent);
        Encoding.UTF8.GetString(entry.Frame.Span).Should().Be($"id: {long.MaxValue}\ndata: {expectedJson}\n\n");
    }

    [Fact]
    public void SerializeDataThenCompose_RandomEventsAndSequences_SameFrameAsCreate()
    {
        var random = new Random(20261207);
        long[] edges = [1, 9, 10, 99, 100, 12_345, int.MaxValue, long.MaxValue];

        for (var i = 0; i < RandomEvents; i++)
        {
            var progressEvent = RandomEvent(random);
            var sequence = i < edges.Length ? edges[i] : random.NextInt64(1, long.MaxValue);

            var data = EventFrame.SerializeData(progressEvent);
            var prepared = EventLogEntry.Create(sequence, progressEvent, data);

            prepared.Frame.ToArray().Should().Equal(EventLogEntry.Create(sequence, progressEvent).Frame.ToArray(), "event {0} at {1}", i, sequence);
            prepared.Sequence.Should().Be(sequence);
            prepared.IsTerminal.Should().Be(progressEvent.IsTerminal);
        }
    }

    [Fact]
    public void SerializeData_LargeEvent_ThenAnEventOfUsualSize_BothWhole()
    {
        var large = TestEvents.Completed("g") with { Message = new string('x', 200_000) + "\u00e9\u2028<>&'\"" };
        var usual = TestEvents.Stage("g", GenerationStages.Initializing);

        var largeData = EventFrame.SerializeData(large);
        var usualData = EventFrame.SerializeData(usual);

        Encoding.UTF8.GetString(largeData).Should().Be(Context(large));
        Encoding.UTF8.GetString(usualData).Should().Be(Context(usual));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void SerializeData_NonFiniteProgress_ThrowsAndTheNextEventIsWhole(double progress)
    {
        var broken = TestEvents.Stage("g", GenerationStages.Initializing) with { Progress = progress };
        var fine = TestEvents.Completed("g");

        var serialize = () => EventFrame.SerializeData(broken);

        serialize.Should().Throw<ArgumentException>();
        Encoding.UTF8.GetString(EventFrame.SerializeData(fine)).Should().Be(Context(fine));
    }

    [Fact]
    public void CreateFromData_SequenceBelowOne_Throws()
    {
        var data = EventFrame.SerializeData(TestEvents.Completed("g"));

        var create = () => EventLogEntry.Create(0, TestEvents.Completed("g"), data);

        create.Should().Throw<ArgumentOutOfRangeException>();
    }

    /// <summary>The JSON of the frame <see cref="EventLogEntry.Create"/> builds, checking the frame's id and blank line.</summary>
    private static byte[] FrameJson(StreamingProgressEvent progressEvent)
    {
        var frame = EventLogEntry.Create(7, progressEvent).Frame.Span;
        var prefix = "id: 7\ndata: "u8;
        frame.StartsWith(prefix).Should().BeTrue();
        frame.EndsWith("\n\n"u8).Should().BeTrue();
        return frame[prefix.Length..^2].ToArray();
    }

    private static string Context(StreamingProgressEvent progressEvent) =>
        Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(progressEvent, IterationStreamingJson.StreamingProgressEvent));


    private static StreamingProgressEvent RandomEvent(Random random)
    {
        string? Maybe(Func<string> value) => random.Next(3) == 0 ? null : value();
        int? MaybeInt() => random.Next(3) == 0 ? null : random.Next(5) == 0 ? random.Next(int.MinValue, int.MaxValue) : random.Next(0, 500);

        return new StreamingProgressEvent
        {
            GenerationId = random.Next(50) == 0 ? null! : RandomText(random),
            Status = random.Next(50) == 0 ? null! : RandomText(random),
            Stage = RandomText(random),
            Progress = RandomDouble(random),
            Message = random.Next(50) == 0 ? null! : RandomText(random),
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(RandomMilliseconds(random)),
            AbGroup = Maybe(() => RandomText(random)),
            EnhancedFeatures = random.Next(3) == 0 ? null : Enumerable.Range(0, random.Next(4))
                .Select(i => RandomText(random) + i)
                .Distinct()
                .ToDictionary(key => key, _ => random.Next(2) == 0),
            GenerationMode = Maybe(() => RandomText(random)),
            EstimatedTimeRemaining = random.Next(3) == 0 ? null : RandomDouble(random),
            CurrentFile = Maybe(() => RandomText(random)),
            PartialOutput = random.Next(3) == 0 ? null : Enumerable.Range(0, random.Next(4))
                .Select(i => RandomText(random) + i)
                .Distinct()
                .ToDictionary(key => key, _ => RandomElement(random)),
            PhaseInfo = random.Next(3) == 0 ? null : new PhaseInfo
            {
                TotalPhases = MaybeInt(),
                CurrentPhase = MaybeInt(),
                EntitiesCount = MaybeInt(),
                Phase = MaybeInt(),
                Name = Maybe(() => RandomText(random)),
                FilesGenerated = MaybeInt(),
                TotalFiles = MaybeInt(),
                Phases = random.Next(3) == 0 ? null : Enumerable.Range(0, random.Next(4))
                    .Select(_ => new PhaseSummary { Phase = MaybeInt() ?? 0, Name = random.Next(10) == 0 ? null! : RandomText(random) })
                    .ToList(),
            },
            WarningType = Maybe(() => RandomText(random)),
            ParentFileCount = MaybeInt(),
            NewFileCount = MaybeInt(),
            MissingFiles = random.Next(3) == 0 ? null : Enumerable.Range(0, random.Next(4)).Select(_ => random.Next(10) == 0 ? null! : RandomText(random)).ToList(),
            Error = Maybe(() => RandomText(random)),
            Replay = Maybe(() => random.Next(2) == 0 ? StreamingProgressEvent.SnapshotReplay : RandomText(random)),
        };
    }

    private static long RandomMilliseconds(Random random) => random.Next(6) switch
    {
        0 => random.NextInt64(-62_135_596_800_000, 253_402_300_799_999),
        1 => 1_760_660_674_000 + (random.Next(1_000) * 1_000),
        2 => 1_760_660_674_000 + (random.Next(100) * 10),
        3 => random.NextInt64(-5_000, 5_000),
        _ => 1_760_660_674_000 + random.Next(10_000_000),
    };

    private static double RandomDouble(Random random) => random.Next(6) switch
    {
        0 => random.NextDouble(),
        1 => Math.Round(random.NextDouble(), random.Next(0, 5)),
        2 => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-300, 300)),
        3 => random.Next(-1_000, 1_000),
        4 => BitConverter.Int64BitsToDouble(random.NextInt64(0, 0x7FEF_FFFF_FFFF_FFFF)),
        _ => random.Next(0, 2) == 0 ? 0.0 : -0.0,
    };

    private static string RandomText(Random random)
    {
        const string Pool = "abcXYZ019 _-./:\\\"'<>&+`=@#%{}[]\n\r\t\b\f\u0000\u001f\u007f\u00e9\u00df\u2028\u2029\u4e2d\u6587";
        var length = random.Next(0, 24);
        var builder = new StringBuilder(length + 2);
        for (var i = 0; i < length; i++)
        {
            switch (random.Next(40))
            {
                case 0:
                    builder.Append("\ud83d\ude80");
                    break;
                case 1:
                    builder.Append('\ud800');
                    break;
                case 2:
                    builder.Append('\udc00');
                    break;
                default:
                    builder.Append(Pool[random.Next(Pool.Length)]);
                    break;
            }
        }

        return builder.ToString();
    }

    private static JsonElement RandomElement(Random random)
    {
        var json = random.Next(7) switch
        {
            0 => "null",
            1 => "true",
            2 => random.Next(-100_000, 100_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            3 => "1.50e+3",
            4 => JsonSerializer.Serialize(RandomText(random)),
            5 => "[1, \"two\", {\"three\": 3.0}]",
            _ => "{ \"lines\" : 42, \"text\": \"\\u00e9\\n\" }",
        };
        return JsonDocument.Parse(json).RootElement.Clone();
    }
}
