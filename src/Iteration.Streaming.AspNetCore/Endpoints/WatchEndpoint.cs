using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// <c>POST {prefix}/watch</c>: names a set of generations, each opened by its own read or control token (or, with an
/// owner resolver, by the caller's ownership), and answers one watch token that reads exactly that set through the
/// multiplexed stream. Every member is checked; one that is refused refuses the whole request, naming it.
/// </summary>
internal sealed class WatchEndpoint(ILogger logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptionsMonitor<IterationStreamingOptions>>().CurrentValue;
        var max = options.MaxGenerationsPerStream;
        var (request, error) = await JsonRequestReader.ReadAsync(context, IterationStreamingJson.GenerationWatchRequest, MaxBodyBytes(max)).ConfigureAwait(false);
        if (error is { } refusal)
        {
            await Problems.WriteAsync(context, logger, refusal.StatusCode, refusal.Detail).ConfigureAwait(false);
            return;
        }

        if (Check(request!, max) is { } invalid)
        {
            await Problems.BadRequest(context, logger, invalid).ConfigureAwait(false);
            return;
        }

        var members = request!.Generations;
        var tokens = services.GetRequiredService<IStreamTokenService>();
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            var prefix = $"generations[{i}] ('{member.Id}'): ";
            if (string.IsNullOrEmpty(member.Token))
            {
                if (await GenerationAccess.IsCallerOwnerAsync(context, member.Id).ConfigureAwait(false))
                {
                    continue;
                }

                Log.WatchMemberRefused(logger, i, member.Id, nameof(StreamTokenStatus.Missing));
                await GenerationAccess.RefuseAsync(context, logger, StreamTokenStatus.Missing, prefix).ConfigureAwait(false);
                return;
            }

            var status = await tokens.ValidateAsync(member.Id, member.Token, StreamTokenScope.Read, context.RequestAborted).ConfigureAwait(false);
            if (status != StreamTokenStatus.Valid)
            {
                Log.WatchMemberRefused(logger, i, member.Id, status.ToString());
                await GenerationAccess.RefuseAsync(context, logger, status, prefix).ConfigureAwait(false);
                return;
            }
        }

        var ids = members.Select(static m => m.Id).ToArray();
        if (services.GetRequiredService<WatchTokens>().Issue(ids) is not { } watchToken)
        {
            await Problems.BadRequest(
                context, logger,
                $"The {ids.Length} generations' ids are too long together for one watch token that fits in a URL (at most {WatchTokens.MaxIssuedLength} characters): watch fewer generations per stream.").ConfigureAwait(false);
            return;
        }

        Log.WatchSetIssued(logger, ids.Length);
        context.Response.Headers.CacheControl = "no-store";
        var answer = new GenerationWatchResponse
        {
            WatchToken = watchToken,
            StreamUrl = GroupPath(context) + "/stream",
            Generations = ids,
        };
        await context.Response.WriteAsJsonAsync(answer, IterationStreamingJson.GenerationWatchResponse, contentType: null, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The largest body: every member's id and longest token, JSON-escaped, and room around them.</summary>
    internal static long MaxBodyBytes(int maxMembers) => 4096 + (maxMembers * ((6L * GenerationStorageId.MaxLength) + (6L * StreamTokenService.MaxTokenLength) + 64));

    /// <summary>The first thing wrong with the set's shape, naming the field; none when it is fine.</summary>
    private static string? Check(GenerationWatchRequest request, int max)
    {
        var members = request.Generations;
        if (members is null || members.Count == 0)
        {
            return "'generations' must name at least one generation: [{\"id\": \"…\", \"token\": \"…\"}].";
        }

        if (members.Count > max)
        {
            return $"'generations' names {members.Count} generations; one stream follows at most {max} (IterationStreaming:MaxGenerationsPerStream): split them over several streams.";
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < members.Count; i++)
        {
            if (members[i] is not { } member)
            {
                return $"generations[{i}] must be an object with 'id' and 'token', not null.";
            }

            if (!RequestValues.IsGenerationId(member.Id))
            {
                return RequestValues.GenerationIdError($"generations[{i}].id");
            }

            if (!seen.TryAdd(member.Id, i))
            {
                return $"generations[{i}].id names '{member.Id}' again (already generations[{seen[member.Id]}]): name each generation once.";
            }

            if (member.Token is { Length: > StreamTokenService.MaxTokenLength })
            {
                return $"generations[{i}].token is longer than a token can be ({StreamTokenService.MaxTokenLength} characters).";
            }
        }

        return null;
    }

    /// <summary>The group's path as the client sees it (path base included), escaped: this route's path less its <c>/watch</c>.</summary>
    private static string GroupPath(HttpContext context)
    {
        var path = (context.Request.PathBase + context.Request.Path).ToUriComponent().TrimEnd('/');
        return path[..Math.Max(0, path.LastIndexOf('/'))];
    }
}
