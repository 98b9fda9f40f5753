<?php

namespace LaravelS\Transport;

/**
 * What a message from the master asks the worker to do: the `'type'` of what
 * Transport::next() returns. Mirrors MessageKind in src/ext/kinds.rs (a Rust test checks
 * that both list the same cases).
 */
enum MessageKind: string
{
    /** An HTTP request for the kernel: 'server', 'body', and 'form' for a multipart body. */
    case Request = 'request';
    /** A task or event to run (task workers): 'payload', 'origin'. */
    case Task = 'task';
    /** A task this worker delivered came back for its finish(): 'payload'. */
    case Finish = 'finish';
    /** A WebSocket handshake: 'fd', 'port', 'server', 'body'. Answered with a response. */
    case Open = 'open';
    /** A whole WebSocket message: 'fd', 'port', 'opcode', 'data'. */
    case Message = 'message';
    /** A WebSocket or TCP connection closed: 'fd', 'port'. */
    case Close = 'close';
    /** A TCP connection opened on an extra port: 'fd', 'port'. */
    case Connect = 'connect';
    /** A message from a TCP connection of an extra port: 'fd', 'port', 'data'. */
    case Receive = 'receive';
    /** A TCP connection's output queue passed its high-water mark: 'fd', 'port'. */
    case BufferFull = 'buffer_full';
    /** ... and drained again: 'fd', 'port'. */
    case BufferEmpty = 'buffer_empty';
    /** A UDP datagram: 'port', 'address', 'remote_port', 'data'. */
    case Packet = 'packet';
    /** An HTTP request on an extra port with an Http handler: 'fd', 'port', 'server', 'body'. */
    case PortRequest = 'port_request';
    /** A message another process sent with sendMessage(), for onPipeMessage: 'payload'. */
    case PipeMessage = 'pipe_message';
}
