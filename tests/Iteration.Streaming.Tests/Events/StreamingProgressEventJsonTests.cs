using System.Text.Json;
using System.Text.Json.Nodes;
using Iteration.Streaming.Events;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Events;

public sealed class StreamingProgressEventJsonTests
{
    private static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<StreamingProgressEvent> TypeInfo =
        IterationStreamingJson.StreamingProgressEvent;

    public static TheoryData<string, string> GuideExamples => Events.GuideExamples.All;

    [Theory]
    [MemberData(nameof(GuideExamples))]
    public void GuideExample_RoundTrips_ToTheSameFieldsAndValues(string name, string json)
    {
        var model = JsonSerializer.Deserialize(json, TypeInfo)!;
        var written = JsonSerializer.Serialize(model, TypeInfo);

        AssertSameJson(JsonNode.Parse(json)!, JsonNode.Parse(written)!, name);
    }

    [Fact]
    public void GuideExamples_CoverEveryExampleOfTheGuide()
    {
        GuideExamples.Should().HaveCount(12, "the guide shows ten sequence events, a validation warning and a failure");
    }

    [Fact]
    public void Serialize_UsesSnakeCaseAndOmitsNullFields()
    {
        var progressEvent = TestEvents.Stage("g-1", GenerationStages.Initializing) with { CurrentFile = "src/App.cs" };

        var json = JsonSerializer.Serialize(progressEvent, TypeInfo);

        json.Should().Be("""{"generation_id":"g-1","status":"processing","stage":"initializing","progress":0.05,"message":"Stage initializing","timestamp":1760660674.205,"current_file":"src/App.cs"}""");
    }

    [Fact]
    public void Serialize_WritesEveryOptionalFieldInSnakeCase()
    {
        var full = TestEvents.Failed("g-1") with
        {
            AbGroup = "b",
            EnhancedFeatures = new Dictionary<string, bool> { ["streaming"] = true },
            GenerationMode = GenerationModes.Enhanced,
            EstimatedTimeRemaining = 12.5,
            CurrentFile = "a.cs",
            PartialOutput = new Dictionary<string, JsonElement> { ["lines"] = JsonSerializer.SerializeToElement(3) },
            PhaseInfo = new PhaseInfo { TotalPhases = 6, CurrentPhase = 2, EntitiesCount = 1, Phase = 2, Name = "User Entity", FilesGenerated = 4, TotalFiles = 9 },
            WarningType = WarningTypes.DataLossDetection,
            ParentFileCount = 14,
            NewFileCount = 12,
            MissingFiles = ["a.cs"],
            Replay = StreamingProgressEvent.SnapshotReplay,
        };

        var names = JsonNode.Parse(JsonSerializer.Serialize(full, TypeInfo))!.AsObject().Select(p => p.Key).ToList();
        var phaseNames = JsonNode.Parse(JsonSerializer.Serialize(full, TypeInfo))!["phase_info"]!.AsObject().Select(p => p.Key).ToList();

        names.Should().BeEquivalentTo(
            "generation_id", "status", "stage", "progress", "message", "timestamp", "ab_group", "enhanced_features",
            "generation_mode", "estimated_time_remaining", "current_file", "partial_output", "phase_info", "warning_type",
            "parent_file_count", "new_file_count", "missing_files", "error", "replay");
        phaseNames.Should().BeEquivalentTo("total_phases", "current_phase", "entities_count", "phase", "name", "files_generated", "total_files");
    }

    [Theory]
    [InlineData(1760660674.205, 1760660674205)]
    [InlineData(1760660676.3, 1760660676300)]
    [InlineData(1760660676, 1760660676000)]
    [InlineData(1760660676.0004, 1760660676000)]
    public void Timestamp_IsUnixSecondsWithMillisecondFraction(double seconds, long expectedMilliseconds)
    {
        var json = $$"""{"generation_id":"g","status":"processing","stage":"queued","progress":0,"message":"m","timestamp":{{seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}""";

        var model = JsonSerializer.Deserialize(json, TypeInfo)!;

        model.Timestamp.ToUnixTimeMilliseconds().Should().Be(expectedMilliseconds);
        JsonNode.Parse(JsonSerializer.Serialize(model, TypeInfo))!["timestamp"]!.GetValue<decimal>()
            .Should().Be(expectedMilliseconds / 1000m);
    }

    [Fact]
    public void Deserialize_IgnoresUnknownFields()
    {
        var json = """{"generation_id":"g","status":"processing","stage":"queued","progress":0,"message":"m","timestamp":1,"future_field":{"x":[1,2]},"another":true}""";

        var model = JsonSerializer.Deserialize(json, TypeInfo)!;

        model.Stage.Should().Be("queued");
    }

    [Theory]
    [InlineData("""{"generation_id":"g","status":"processing","stage":"queued","progress":"0.5","message":"m","timestamp":1}""", "progress")]
    [InlineData("""{"generation_id":"g","status":"processing","stage":"queued","progress":0.5,"message":"m","timestamp":"yesterday"}""", "timestamp")]
    [InlineData("""{"generation_id":42,"status":"processing","stage":"queued","progress":0.5,"message":"m","timestamp":1}""", "generation_id")]
    [InlineData("""{"generation_id":"g","status":"processing","stage":"queued","progress":0.5,"message":"m","timestamp":1,"phase_info":[]}""", "phase_info")]
    [InlineData("""{"generation_id":"g","status":"processing","stage":"queued","progress":0.5,"message":"m","timestamp":1,"enhanced_features":{"a":"yes"}}""", "enhanced_features")]
    [InlineData("""{"generation_id":"g","status":"processing","stage":"queued","progress":0.5,"message":"m","timestamp":1e300}""", "timestamp")]
    public void Deserialize_WrongType_ThrowsJsonExceptionNamingThePath(string json, string field)
    {
        var act = () => JsonSerializer.Deserialize(json, TypeInfo);

        act.Should().Throw<JsonException>().Which.Path.Should().Contain(field);
    }

    [Theory]
    [InlineData("generation_id")]
    [InlineData("status")]
    [InlineData("stage")]
    [InlineData("progress")]
    [InlineData("message")]
    [InlineData("timestamp")]
    public void Deserialize_MissingRequiredField_ThrowsInsteadOfAHalfFilledEvent(string field)
    {
        var node = JsonNode.Parse("""{"generation_id":"g","status":"processing","stage":"queued","progress":0.5,"message":"m","timestamp":1}""")!.AsObject();
        node.Remove(field);

        var act = () => JsonSerializer.Deserialize(node.ToJsonString(), TypeInfo);

        act.Should().Throw<JsonException>().WithMessage($"*{field}*");
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{\"generation_id\":\"g\",}")]
    public void Deserialize_MalformedJson_ThrowsJsonException(string json)
    {
        var act = () => JsonSerializer.Deserialize(json, TypeInfo);

        act.Should().Throw<JsonException>();
    }

    [Fact]
    public void IsTerminal_IsTrueOnlyForCompletedFailedAndCancelled()
    {
        string[] statuses = [GenerationStatus.Queued, GenerationStatus.Processing, GenerationStatus.Completed, GenerationStatus.Failed, GenerationStatus.Cancelled];

        statuses.Select(s => (TestEvents.Progress("g", 0) with { Status = s }).IsTerminal)
            .Should().Equal(false, false, true, true, true);
    }

    private static void AssertSameJson(JsonNode expected, JsonNode actual, string path)
    {
        switch (expected)
        {
            case JsonObject expectedObject:
                var actualObject = actual.Should().BeOfType<JsonObject>().Subject;
                actualObject.Select(p => p.Key).Should().BeEquivalentTo(expectedObject.Select(p => p.Key), $"fields of {path}");
                foreach (var (key, value) in expectedObject)
                {
                    AssertSameJson(value!, actualObject[key]!, $"{path}.{key}");
                }

                break;
            case JsonValue expectedValue when expectedValue.GetValueKind() == JsonValueKind.Number:
                actual.GetValue<decimal>().Should().Be(expectedValue.GetValue<decimal>(), path);
                break;
            default:
                JsonNode.DeepEquals(expected, actual).Should().BeTrue($"{path} should be {expected.ToJsonString()} but was {actual.ToJsonString()}");
                break;
        }
    }
}
