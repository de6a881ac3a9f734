using Rpc.CodeGen.Tests.Infrastructure;

namespace Rpc.CodeGen.Tests.Plugin;

/// <summary>
/// The stubs refer to classes protoc's C# generator writes; each test compiles both outputs together, so a name
/// that differs from protoc's by one character fails the compile.
/// </summary>
public sealed class NamingTests
{
    [Fact]
    public async Task NestedTypes_RequestAndResponse_AreOuterTypesInner()
    {
        using var root = new TempDirectory();

        var output = await Protoc.GenerateAsync(root, "shop.proto", """
            syntax = "proto3";
            package shop.v1;
            message Order {
              message Line {
                message Detail { string sku = 1; }
              }
            }
            service Store {
              rpc Check(Order.Line.Detail) returns (Order);
            }
            """);

        var code = output.SingleRpcFile;
        Assert.Contains("global::Rpc.Method<global::Shop.V1.Order.Types.Line.Types.Detail, global::Shop.V1.Order>", code);
        Assert.Contains("__Marshaller_shop_v1_Order_Line_Detail", code);
        CSharpCompiler.AssertCompiles(output.AllSources);
    }

    [Fact]
    public async Task CsharpNamespaceOption_Set_IsUsedVerbatimWhileTheServiceNameKeepsThePackage()
    {
        using var root = new TempDirectory();

        var output = await Protoc.GenerateAsync(root, "store.proto", """
            syntax = "proto3";
            package shop.v1;
            option csharp_namespace = "Acme.custom_Ns";
            message Item {}
            service Store { rpc Get(Item) returns (Item); }
            """);

        var code = output.SingleRpcFile;
        Assert.Contains("namespace Acme.custom_Ns;", code);
        Assert.Contains("global::Acme.custom_Ns.Item.Parser", code);
        Assert.Contains("global::Acme.custom_Ns.StoreReflection.Descriptor.Services[0]", code);
        Assert.Contains("__ServiceName = \"shop.v1.Store\"", code);
        CSharpCompiler.AssertCompiles(output.AllSources);
    }

    [Fact]
    public async Task Package_WithUnderscoresAndDigits_BecomesPascalCaseNamespace()
    {
        using var root = new TempDirectory();

        var output = await Protoc.GenerateAsync(root, "api.proto", """
            syntax = "proto3";
            package my_company.api_v2.x9y;
            message Req {}
            service Api { rpc Call(Req) returns (Req); }
            """);

        Assert.Contains("namespace MyCompany.ApiV2.X9Y;", output.SingleRpcFile);
        CSharpCompiler.AssertCompiles(output.AllSources);
    }

    [Fact]
    public async Task NoPackage_ServiceIsInTheGlobalNamespaceWithAnUnqualifiedServiceName()
    {
        using var root = new TempDirectory();

        var output = await Protoc.GenerateAsync(root, "lonely_service.proto", """
            syntax = "proto3";
            message Ping {}
            service Lonely { rpc Echo(Ping) returns (Ping); }
            """);

        var code = output.SingleRpcFile;
        Assert.DoesNotContain("namespace ", code);
        Assert.Contains("__ServiceName = \"Lonely\"", code);
        Assert.Contains("global::LonelyServiceReflection.Descriptor.Services[0]", code);
        Assert.Contains("global::Rpc.Method<global::Ping, global::Ping>", code);
        CSharpCompiler.AssertCompiles(output.AllSources);
    }

    [Fact]
    public async Task EmptyCsharpNamespaceOption_PutsTheServiceInTheGlobalNamespace()
    {
        using var root = new TempDirectory();

        var output = await Protoc.GenerateAsync(root, "flat.proto", """
            syntax = "proto3";
            package deep.pkg;
            option csharp_namespace = "";
            message M {}
            service Flat { rpc Do(M) returns (M); }
            """);

        var code = output.SingleRpcFile;
        Assert.DoesNotContain("namespace ", code);
        Assert.Contains("__ServiceName = \"deep.pkg.Flat\"", code);
        Assert.Contains("global::FlatReflection.Descriptor", code);
        CSharpCompiler.AssertCompiles(output.AllSources);
    }

    [Fact]
    public async Task Imports_TypesFromOtherFilesAndWellKnownTypes_UseTheirOwnNamespaces()
    {
        using var root = new TempDirectory();
        root.Write("protos/common/money.proto", """
            syntax = "proto3";
            package common.v1;
            option csharp_namespace = "Common.Types";
            message Money { int64 units = 1; }
            """);
        root.Write("protos/billing/billing.proto", """
            syntax = "proto3";
            package billing.v1;
            import "common/money.proto";
            import "google/protobuf/empty.proto";
            import "google/protobuf/timestamp.proto";
            service Billing {
              rpc Charge(common.v1.Money) returns (google.protobuf.Empty);
              rpc Now(google.protobuf.Empty) returns (google.protobuf.Timestamp);
            }
            """);

        var output = await Protoc.GenerateAsync(root, ["common/money.proto", "billing/billing.proto"]);

        var (name, code) = Assert.Single(output.RpcFiles);
        Assert.Equal("billing/BillingGrpc.cs", name);
        Assert.Contains("global::Rpc.Method<global::Common.Types.Money, global::Google.Protobuf.WellKnownTypes.Empty>", code);
        Assert.Contains("global::Rpc.Method<global::Google.Protobuf.WellKnownTypes.Empty, global::Google.Protobuf.WellKnownTypes.Timestamp>", code);
        Assert.Contains("global::Billing.V1.BillingReflection.Descriptor.Services[0]", code);
        CSharpCompiler.AssertCompiles(output.AllSources);
    }

    [Fact]
    public async Task FileNames_ProtocConversionRules_NameTheFileAndTheReflectionClass()
    {
        using var root = new TempDirectory();
        string[] protos = ["my-file.v2.proto", "_9lives.proto", "UPPER_case__file.proto", "api/v1/thing_service.proto"];
        for (var i = 0; i < protos.Length; i++)
        {
            root.Write("protos/" + protos[i], $$"""
                syntax = "proto3";
                package names.p{{i}};
                message M {}
                service S{{i}} { rpc Do(M) returns (M); }
                """);
        }

        var output = await Protoc.GenerateAsync(root, protos);

        Assert.Equal(
            ["MyFileV2Grpc.cs", "UPPERCaseFileGrpc.cs", "_9LivesGrpc.cs", "api/v1/ThingServiceGrpc.cs"],
            output.RpcFiles.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("global::Names.P0.MyFileV2Reflection.Descriptor", output.RpcFiles["MyFileV2Grpc.cs"]);
        Assert.Contains("global::Names.P1._9LivesReflection.Descriptor", output.RpcFiles["_9LivesGrpc.cs"]);
        Assert.Contains("global::Names.P2.UPPERCaseFileReflection.Descriptor", output.RpcFiles["UPPERCaseFileGrpc.cs"]);
        Assert.Contains("global::Names.P3.ThingServiceReflection.Descriptor", output.RpcFiles["api/v1/ThingServiceGrpc.cs"]);
        CSharpCompiler.AssertCompiles(output.AllSources);
    }

    [Fact]
    public async Task Keywords_ServiceAndRpcNames_AreEscaped()
    {
        using var root = new TempDirectory();

        var output = await Protoc.GenerateAsync(root, "kw.proto", """
            syntax = "proto3";
            package event.class;
            message Req {}
            service lock {
              rpc int(Req) returns (Req);
              rpc object(stream Req) returns (stream Req);
            }
            """);

        var code = output.SingleRpcFile;
        Assert.Contains("namespace Event.Class;", code);
        Assert.Contains("public static partial class @lock", code);
        Assert.Contains("public abstract partial class lockBase", code);
        Assert.Contains("__ServiceName = \"event.class.lock\"", code);
        Assert.Contains("\"int\",", code);
        Assert.Contains("service.@int(request, context)", code);
        Assert.Contains(" intAsync(", code);
        Assert.Contains(" @object(global::Rpc.CallOptions options)", code);
        CSharpCompiler.AssertCompiles(output.AllSources);
    }

    [Fact]
    public async Task MarshallerNames_TwoTypesWithTheSameUnderscoredName_StayDistinct()
    {
        using var root = new TempDirectory();
        root.Write("protos/one.proto", """
            syntax = "proto3";
            package pkg.a;
            message b_M {}
            """);
        root.Write("protos/two.proto", """
            syntax = "proto3";
            package pkg.a_b;
            import "one.proto";
            message M {}
            service Clash { rpc Do(M) returns (pkg.a.b_M); }
            """);

        var output = await Protoc.GenerateAsync(root, ["one.proto", "two.proto"]);

        var code = output.SingleRpcFile;
        Assert.Contains("__Marshaller_pkg_a_b_M =", code);
        Assert.Contains("__Marshaller_pkg_a_b_M_2 =", code);
        CSharpCompiler.AssertCompiles(output.AllSources);
    }
}
