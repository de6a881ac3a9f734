using Google.Protobuf;
using Google.Protobuf.Reflection;
using Rpc.Reflection.Tests.Common.V1;
using Rpc.Reflection.Tests.Infrastructure;
using Rpc.Reflection.V1;

namespace Rpc.Reflection.Tests;

public sealed class ReflectionServiceTests(ReflectionTestHost host)
{
    private const int TimeoutMs = 30_000;
    private const int NotFound = (int)StatusCode.NotFound;
    private const string GreeterFile = "rpctest/greeter/v1/greeter.proto";
    private const string CommonFile = "rpctest/common/v1/common.proto";
    private const string AnnotationsFile = "rpctest/common/v1/annotations.proto";

    public static TheoryData<ReflectionVersion> Versions { get; } = [ReflectionVersion.V1, ReflectionVersion.V1Alpha];

    public static TheoryData<ReflectionVersion, string, string> Symbols { get; } = BuildSymbols();

    [Theory(Timeout = TimeoutMs)]
    [MemberData(nameof(Versions))]
    public async Task ListServices_ListsEveryDescribedServiceIncludingReflection(ReflectionVersion version)
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = ReflectionStream.Open(host.Channel, version, ct);

        var response = await stream.AskAsync(new ServerReflectionRequest { Host = "example", ListServices = "*" }, ct);
        await stream.CompleteAsync(ct);

        // Mapping order; the hand-written rpctest.Undescribed has no descriptor and is left out.
        Assert.Equal(
            ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "rpctest.greeter.v1.Greeter", "grpc.health.v1.Health"],
            response.ListServicesResponse.Service.Select(service => service.Name));
        Assert.Equal("example", response.ValidHost);
        Assert.Equal("*", response.OriginalRequest.ListServices);
    }

    [Theory(Timeout = TimeoutMs)]
    [MemberData(nameof(Versions))]
    public async Task FileContainingSymbol_Service_ReturnsItsFileFirstThenEveryDependencyOnce(ReflectionVersion version)
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = ReflectionStream.Open(host.Channel, version, ct);

        var response = await stream.AskAsync(new ServerReflectionRequest { FileContainingSymbol = "rpctest.greeter.v1.Greeter" }, ct);

        var files = FileNames(response);
        Assert.Equal(GreeterFile, files[0]);
        Assert.Equal(
            [
                "google/protobuf/descriptor.proto",
                "google/protobuf/duration.proto",
                "google/protobuf/timestamp.proto",
                AnnotationsFile,
                CommonFile,
                GreeterFile,
            ],
            files.Order(StringComparer.Ordinal));
        // The bytes are the descriptor protoc produced, the one the generated code was built from, custom
        // options included.
        var bytes = response.FileDescriptorResponse.FileDescriptorProto[0];
        Assert.Equal(Greeter.V1.GreeterReflection.Descriptor.SerializedData, bytes);
        var served = FileDescriptorProto.Parser.WithExtensionRegistry([AnnotationsExtensions.AuditLabel]).ParseFrom(bytes);
        Assert.Equal("greeting", served.Service[0].Method[0].Options.GetExtension(AnnotationsExtensions.AuditLabel));
    }

    [Theory(Timeout = TimeoutMs)]
    [MemberData(nameof(Symbols))]
    public async Task FileContainingSymbol_EveryKindOfSymbol_ReturnsTheDeclaringFileFirst(ReflectionVersion version, string symbol, string file)
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = ReflectionStream.Open(host.Channel, version, ct);

        var response = await stream.AskAsync(new ServerReflectionRequest { FileContainingSymbol = symbol }, ct);

        Assert.Equal(file, FileNames(response)[0]);
    }

    [Theory(Timeout = TimeoutMs)]
    [MemberData(nameof(Versions))]
    public async Task LaterAnswers_OnTheSameStream_DoNotRepeatDependencies(ReflectionVersion version)
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = ReflectionStream.Open(host.Channel, version, ct);

        await stream.AskAsync(new ServerReflectionRequest { FileContainingSymbol = "rpctest.greeter.v1.Greeter" }, ct);
        var common = await stream.AskAsync(new ServerReflectionRequest { FileByFilename = CommonFile }, ct);
        var greeterAgain = await stream.AskAsync(new ServerReflectionRequest { FileContainingSymbol = "rpctest.greeter.v1.HelloRequest" }, ct);
        await stream.CompleteAsync(ct);

        // The requested file always comes back; its already-sent imports do not.
        Assert.Equal([CommonFile], FileNames(common));
        Assert.Equal([GreeterFile], FileNames(greeterAgain));
    }

    [Theory(Timeout = TimeoutMs)]
    [MemberData(nameof(Versions))]
    public async Task FileByFilename_KnownFile_ReturnsItAndItsDependencies(ReflectionVersion version)
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = ReflectionStream.Open(host.Channel, version, ct);

        var response = await stream.AskAsync(new ServerReflectionRequest { FileByFilename = CommonFile }, ct);

        Assert.Equal([CommonFile, "google/protobuf/duration.proto"], FileNames(response));
    }

    [Theory(Timeout = TimeoutMs)]
    [MemberData(nameof(Versions))]
    public async Task UnknownNames_AnswerNotFound_AndTheStreamGoesOn(ReflectionVersion version)
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = ReflectionStream.Open(host.Channel, version, ct);

        var file = await stream.AskAsync(new ServerReflectionRequest { FileByFilename = "no/such.proto" }, ct);
        var symbol = await stream.AskAsync(new ServerReflectionRequest { FileContainingSymbol = "rpctest.greeter.v1.Nope" }, ct);
        var extension = await stream.AskAsync(
            new ServerReflectionRequest { FileContainingExtension = new ExtensionRequest { ContainingType = "rpctest.common.v1.Tagged", ExtensionNumber = 101 } },
            ct);
        var type = await stream.AskAsync(new ServerReflectionRequest { AllExtensionNumbersOfType = "rpctest.common.v1.Nope" }, ct);
        var stillWorks = await stream.AskAsync(new ServerReflectionRequest { FileByFilename = GreeterFile }, ct);
        await stream.CompleteAsync(ct);

        Assert.All([file, symbol, extension, type], response => Assert.Equal(NotFound, response.ErrorResponse?.ErrorCode));
        Assert.Contains("no/such.proto", file.ErrorResponse.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("rpctest.greeter.v1.Nope", symbol.ErrorResponse.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(GreeterFile, FileNames(stillWorks)[0]);
    }

    [Theory(Timeout = TimeoutMs)]
    [MemberData(nameof(Versions))]
    public async Task FileContainingExtension_KnownExtensions_ReturnTheDeclaringFile(ReflectionVersion version)
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = ReflectionStream.Open(host.Channel, version, ct);

        var own = await stream.AskAsync(
            new ServerReflectionRequest { FileContainingExtension = new ExtensionRequest { ContainingType = "rpctest.common.v1.Tagged", ExtensionNumber = 150 } },
            ct);
        var option = await stream.AskAsync(
            new ServerReflectionRequest { FileContainingExtension = new ExtensionRequest { ContainingType = "google.protobuf.MethodOptions", ExtensionNumber = 50101 } },
            ct);

        Assert.Equal([AnnotationsFile, "google/protobuf/descriptor.proto"], FileNames(own));
        Assert.Equal([AnnotationsFile], FileNames(option));
    }

    [Theory(Timeout = TimeoutMs)]
    [MemberData(nameof(Versions))]
    public async Task AllExtensionNumbersOfType_KnownMessages_ListTheirExtensionsAscending(ReflectionVersion version)
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = ReflectionStream.Open(host.Channel, version, ct);

        var tagged = await stream.AskAsync(new ServerReflectionRequest { AllExtensionNumbersOfType = "rpctest.common.v1.Tagged" }, ct);
        var options = await stream.AskAsync(new ServerReflectionRequest { AllExtensionNumbersOfType = "google.protobuf.MethodOptions" }, ct);
        var none = await stream.AskAsync(new ServerReflectionRequest { AllExtensionNumbersOfType = "rpctest.greeter.v1.HelloRequest" }, ct);

        Assert.Equal("rpctest.common.v1.Tagged", tagged.AllExtensionNumbersResponse.BaseTypeName);
        Assert.Equal([100, 150], tagged.AllExtensionNumbersResponse.ExtensionNumber);
        Assert.Equal([50101], options.AllExtensionNumbersResponse.ExtensionNumber);
        Assert.Empty(none.AllExtensionNumbersResponse.ExtensionNumber);
    }

    [Theory(Timeout = TimeoutMs)]
    [MemberData(nameof(Versions))]
    public async Task EmptyRequest_AnswersInvalidArgument(ReflectionVersion version)
    {
        var ct = TestContext.Current.CancellationToken;
        using var stream = ReflectionStream.Open(host.Channel, version, ct);

        var response = await stream.AskAsync(new ServerReflectionRequest { Host = "h" }, ct);

        Assert.Equal((int)StatusCode.InvalidArgument, response.ErrorResponse?.ErrorCode);
    }

    [Fact]
    public void ReflectionProtos_V1AndV1Alpha_DeclareTheSameMessagesAndService()
    {
        static string Shape(FileDescriptor file)
        {
            var proto = file.ToProto();
            proto.Name = string.Empty;
            proto.Package = string.Empty;
            proto.Options = null;
            return JsonFormatter.Default.Format(proto).Replace(".grpc.reflection.v1alpha.", ".grpc.reflection.v1.", StringComparison.Ordinal);
        }

        Assert.Equal(Shape(V1.ReflectionReflection.Descriptor), Shape(V1Alpha.ReflectionReflection.Descriptor));
    }

    private static List<string> FileNames(ServerReflectionResponse response)
    {
        Assert.Equal(ServerReflectionResponse.MessageResponseOneofCase.FileDescriptorResponse, response.MessageResponseCase);
        var names = response.FileDescriptorResponse.FileDescriptorProto.Select(bytes => FileDescriptorProto.Parser.ParseFrom(bytes).Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        return names;
    }

    private static TheoryData<ReflectionVersion, string, string> BuildSymbols()
    {
        (string Symbol, string File)[] symbols =
        [
            ("rpctest.greeter.v1.Greeter.SayHello", GreeterFile),
            ("rpctest.greeter.v1.HelloRequest", GreeterFile),
            ("rpctest.greeter.v1.HelloRequest.name", GreeterFile),
            ("rpctest.greeter.v1.HelloReply.Detail", GreeterFile),
            ("rpctest.greeter.v1.HelloReply.Detail.Kind", GreeterFile),
            ("rpctest.greeter.v1.HelloReply.signature", GreeterFile),
            ("rpctest.greeter.v1.Tone", GreeterFile),
            ("rpctest.greeter.v1.TONE_FORMAL", GreeterFile),
            ("rpctest.greeter.v1.HelloReply.Detail.KIND_WORD", GreeterFile),
            ("rpctest.common.v1.Page", CommonFile),
            ("rpctest.common.v1.audit_label", AnnotationsFile),
            ("rpctest.common.v1.owner", AnnotationsFile),
            ("google.protobuf.Timestamp", "google/protobuf/timestamp.proto"),
            ("grpc.health.v1.Health", "grpc/health/v1/health.proto"),
            ("grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc/health/v1/health.proto"),
            ("grpc.reflection.v1.ServerReflection.ServerReflectionInfo", "grpc/reflection/v1/reflection.proto"),
            ("grpc.reflection.v1alpha.ServerReflectionRequest", "grpc/reflection/v1alpha/reflection.proto"),
        ];
        var data = new TheoryData<ReflectionVersion, string, string>();
        foreach (var version in Enum.GetValues<ReflectionVersion>())
        {
            foreach (var (symbol, file) in symbols)
            {
                data.Add(version, symbol, file);
            }
        }

        return data;
    }
}
