using Google.Protobuf.Compiler;
using Rpc.CodeGen;

// protoc starts the plugin once per invocation, writes a CodeGeneratorRequest to stdin and reads a
// CodeGeneratorResponse from stdout. Problems in the .proto input are reported in the response's error field
// (protoc prints it and fails); only a broken protocol exchange ends the process with a non-zero code.
using var input = Console.OpenStandardInput();
var request = CodeGeneratorRequest.Parser.ParseFrom(input);
var response = CodeGenerator.Generate(request);
using var output = Console.OpenStandardOutput();
CodeGenerator.WriteResponse(response, output);
return 0;
