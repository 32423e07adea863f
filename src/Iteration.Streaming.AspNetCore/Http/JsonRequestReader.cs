using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Iteration.Streaming.AspNetCore.Http;

/// <summary>
/// Reads a small JSON request body with a size limit, turning every kind of bad input into a <see cref="RequestError"/>
/// (415 not JSON, 413 too large, 400 malformed or of the wrong shape, worded by <see cref="JsonBindingErrors"/>)
/// instead of an exception.
/// </summary>
internal static class JsonRequestReader
{
    public static async ValueTask<(T? Value, RequestError? Error)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo, long maxBytes)
        where T : class
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return (null, new(StatusCodes.Status415UnsupportedMediaType, "The request body must be JSON: send 'Content-Type: application/json'."));
        }

        var tooLarge = new RequestError(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the limit of {maxBytes} bytes.");
        if (request.ContentLength > maxBytes)
        {
            return (null, tooLarge);
        }

        // Also stops a chunked body at the server, before it is buffered; a smaller host-wide limit stays.
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false } && (sizeFeature.MaxRequestBodySize is null || sizeFeature.MaxRequestBodySize > maxBytes))
        {
            sizeFeature.MaxRequestBodySize = maxBytes;
        }

        var reader = request.BodyReader;
        ReadResult result;
        try
        {
            while (true)
            {
                result = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
                if (result.Buffer.Length > maxBytes)
                {
                    reader.AdvanceTo(result.Buffer.End);
                    return (null, tooLarge);
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }

                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        }
        catch (BadHttpRequestException ex)
        {
            return (null, ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? tooLarge
                : new(ex.StatusCode, "The request body could not be read."));
        }

        try
        {
            return Parse(result.Buffer, typeInfo);
        }
        finally
        {
            reader.AdvanceTo(result.Buffer.End);
        }
    }

    private static (T? Value, RequestError? Error) Parse<T>(ReadOnlySequence<byte> body, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        if (body.IsEmpty)
        {
            return (null, new(StatusCodes.Status400BadRequest, "The request body is empty: send a JSON object."));
        }

        try
        {
            var value = body.IsSingleSegment
                ? JsonSerializer.Deserialize(body.FirstSpan, typeInfo)
                : JsonSerializer.Deserialize(body.ToArray(), typeInfo);
            return value is null
                ? (null, new(StatusCodes.Status400BadRequest, "The request body must be a JSON object, not null."))
                : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, new(StatusCodes.Status400BadRequest, JsonBindingErrors.Describe(ex, body, typeInfo)));
        }
    }
}
