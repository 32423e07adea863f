using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Events;

/// <summary>
/// The JSON of the wire contract (snake_case names, null fields omitted, strict numbers), source-generated, so it works
/// trimmed and AOT-compiled: pass a type's metadata to <see cref="JsonSerializer"/>, or add
/// <see cref="TypeInfoResolver"/> to a host's options.
/// </summary>
/// <example>
/// <code>
/// var progress = JsonSerializer.Deserialize(item.Data, IterationStreamingJson.StreamingProgressEvent);
/// builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, IterationStreamingJson.TypeInfoResolver));
/// </code>
/// </example>
public static class IterationStreamingJson
{
    /// <summary>Metadata for every contract type, to add to a <see cref="JsonSerializerOptions.TypeInfoResolverChain"/>.</summary>
    public static IJsonTypeInfoResolver TypeInfoResolver => IterationStreamingJsonContext.Default;

    /// <summary>Read-only options with the contract's settings and metadata.</summary>
    public static JsonSerializerOptions Options => IterationStreamingJsonContext.Default.Options;

    /// <summary>An event of the stream (the <c>data:</c> of an SSE frame).</summary>
    public static JsonTypeInfo<StreamingProgressEvent> StreamingProgressEvent => IterationStreamingJsonContext.Default.StreamingProgressEvent;

    /// <summary>The <c>phase_info</c> of an event.</summary>
    public static JsonTypeInfo<PhaseInfo> PhaseInfo => IterationStreamingJsonContext.Default.PhaseInfo;

    /// <summary>One phase of a plan.</summary>
    public static JsonTypeInfo<PhaseSummary> PhaseSummary => IterationStreamingJsonContext.Default.PhaseSummary;

    /// <summary>The body of <c>POST {prefix}</c>.</summary>
    public static JsonTypeInfo<StartGenerationRequest> StartGenerationRequest => IterationStreamingJsonContext.Default.StartGenerationRequest;

    /// <summary>The body of <c>POST {prefix}/iterate</c>.</summary>
    public static JsonTypeInfo<IterateGenerationRequest> IterateGenerationRequest => IterationStreamingJsonContext.Default.IterateGenerationRequest;

    /// <summary>The answer of start, iterate and retry.</summary>
    public static JsonTypeInfo<GenerationStartedResponse> GenerationStartedResponse => IterationStreamingJsonContext.Default.GenerationStartedResponse;

    /// <summary>The answer of <c>GET {prefix}/{id}</c>.</summary>
    public static JsonTypeInfo<GenerationSnapshot> GenerationSnapshot => IterationStreamingJsonContext.Default.GenerationSnapshot;

    /// <summary>One file of a file list.</summary>
    public static JsonTypeInfo<GenerationFile> GenerationFile => IterationStreamingJsonContext.Default.GenerationFile;

    /// <summary>The answer of <c>GET {prefix}/{id}/files</c>.</summary>
    public static JsonTypeInfo<GenerationFileList> GenerationFileList => IterationStreamingJsonContext.Default.GenerationFileList;

    /// <summary>The body of <c>POST {prefix}/{id}/input</c>.</summary>
    public static JsonTypeInfo<GenerationInputRequest> GenerationInputRequest => IterationStreamingJsonContext.Default.GenerationInputRequest;

    /// <summary>The answer of <c>POST {prefix}/{id}/input</c>.</summary>
    public static JsonTypeInfo<GenerationInputAccepted> GenerationInputAccepted => IterationStreamingJsonContext.Default.GenerationInputAccepted;

    /// <summary>The optional body of <c>POST {prefix}/{id}/retry</c>.</summary>
    public static JsonTypeInfo<RetryGenerationRequest> RetryGenerationRequest => IterationStreamingJsonContext.Default.RetryGenerationRequest;

    /// <summary>A generation's token budget.</summary>
    public static JsonTypeInfo<GenerationBudget> GenerationBudget => IterationStreamingJsonContext.Default.GenerationBudget;

    /// <summary>The tokens a generation spent.</summary>
    public static JsonTypeInfo<GenerationUsage> GenerationUsage => IterationStreamingJsonContext.Default.GenerationUsage;

    /// <summary>What a generation's tokens cost.</summary>
    public static JsonTypeInfo<GenerationCost> GenerationCost => IterationStreamingJsonContext.Default.GenerationCost;

    /// <summary>A page of the caller's generations.</summary>
    public static JsonTypeInfo<GenerationList> GenerationList => IterationStreamingJsonContext.Default.GenerationList;

    /// <summary>One generation of a list.</summary>
    public static JsonTypeInfo<GenerationListItem> GenerationListItem => IterationStreamingJsonContext.Default.GenerationListItem;

    /// <summary>The body of <c>POST {prefix}/watch</c>.</summary>
    public static JsonTypeInfo<GenerationWatchRequest> GenerationWatchRequest => IterationStreamingJsonContext.Default.GenerationWatchRequest;

    /// <summary>One generation of a watch set.</summary>
    public static JsonTypeInfo<GenerationWatchMember> GenerationWatchMember => IterationStreamingJsonContext.Default.GenerationWatchMember;

    /// <summary>The 200 body of <c>POST {prefix}/watch</c>.</summary>
    public static JsonTypeInfo<GenerationWatchResponse> GenerationWatchResponse => IterationStreamingJsonContext.Default.GenerationWatchResponse;

    /// <summary>The body of <c>POST {prefix}/{id}/fork</c>.</summary>
    public static JsonTypeInfo<ForkGenerationRequest> ForkGenerationRequest => IterationStreamingJsonContext.Default.ForkGenerationRequest;

    /// <summary>The body of <c>POST {prefix}/{id}/revert</c>.</summary>
    public static JsonTypeInfo<RevertGenerationRequest> RevertGenerationRequest => IterationStreamingJsonContext.Default.RevertGenerationRequest;

    /// <summary>The 200 body of <c>GET {prefix}/{id}/diff</c>.</summary>
    public static JsonTypeInfo<GenerationDiff> GenerationDiff => IterationStreamingJsonContext.Default.GenerationDiff;

    /// <summary>Metadata for <see cref="Contracts.GenerationLive"/>.</summary>
    public static JsonTypeInfo<GenerationLive> GenerationLive => IterationStreamingJsonContext.Default.GenerationLive;
}
