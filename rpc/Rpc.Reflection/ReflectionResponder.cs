using Google.Protobuf.Reflection;
using Rpc.Reflection.V1;
using RequestCase = Rpc.Reflection.V1.ServerReflectionRequest.MessageRequestOneofCase;

namespace Rpc.Reflection;

/// <summary>
/// Answers one reflection request from a <see cref="DescriptorIndex"/>, in the v1 message types (v1alpha is
/// wire-identical and converted at its service's edge). Holds the state of one stream: which descriptor files it
/// has already carried, so each dependency travels once per stream as real servers do. Not thread-safe; one per
/// stream.
/// </summary>
internal sealed class ReflectionResponder(DescriptorIndex index)
{
    private readonly HashSet<string> _sentFiles = new(StringComparer.Ordinal);

    public ServerReflectionResponse Answer(ServerReflectionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case RequestCase.ListServices:
                var list = new ListServiceResponse();
                foreach (var name in index.ServiceNames)
                {
                    list.Service.Add(new ServiceResponse { Name = name });
                }

                response.ListServicesResponse = list;
                break;

            case RequestCase.FileByFilename:
                SetFile(response, index.FindFile(request.FileByFilename), $"File '{request.FileByFilename}' not found.");
                break;

            case RequestCase.FileContainingSymbol:
                SetFile(response, index.FindFileContainingSymbol(request.FileContainingSymbol), $"Symbol '{request.FileContainingSymbol}' not found.");
                break;

            case RequestCase.FileContainingExtension:
                var extension = request.FileContainingExtension;
                SetFile(
                    response,
                    index.FindExtension(extension.ContainingType, extension.ExtensionNumber)?.File,
                    $"Extension {extension.ExtensionNumber} of '{extension.ContainingType}' not found.");
                break;

            case RequestCase.AllExtensionNumbersOfType:
                if (index.FindExtensionNumbers(request.AllExtensionNumbersOfType) is { } numbers)
                {
                    response.AllExtensionNumbersResponse = new ExtensionNumberResponse
                    {
                        BaseTypeName = request.AllExtensionNumbersOfType,
                        ExtensionNumber = { numbers },
                    };
                }
                else
                {
                    SetError(response, StatusCode.NotFound, $"Type '{request.AllExtensionNumbersOfType}' not found.");
                }

                break;

            default:
                // An answer rather than a failed call keeps the stream, and the client's other questions, alive.
                SetError(response, StatusCode.InvalidArgument, "The request names no question (message_request is not set).");
                break;
        }

        return response;
    }

    private void SetFile(ServerReflectionResponse response, FileDescriptor? file, string notFound)
    {
        if (file is null)
        {
            SetError(response, StatusCode.NotFound, notFound);
            return;
        }

        response.FileDescriptorResponse = Describe(file);
    }

    /// <summary>
    /// The requested file always (a client may ask again after forgetting it), then, breadth first, every file it
    /// depends on that this stream has not sent. The sent set stays closed under imports, so an already-sent
    /// file's own imports need no visit.
    /// </summary>
    private FileDescriptorResponse Describe(FileDescriptor file)
    {
        var result = new FileDescriptorResponse();
        result.FileDescriptorProto.Add(file.SerializedData);
        _sentFiles.Add(file.Name);
        var pending = new Queue<FileDescriptor>(file.Dependencies);
        while (pending.TryDequeue(out var dependency))
        {
            if (!_sentFiles.Add(dependency.Name))
            {
                continue;
            }

            result.FileDescriptorProto.Add(dependency.SerializedData);
            foreach (var next in dependency.Dependencies)
            {
                pending.Enqueue(next);
            }
        }

        return result;
    }

    private static void SetError(ServerReflectionResponse response, StatusCode code, string message) =>
        response.ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };
}
