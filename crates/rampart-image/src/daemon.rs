//! `docker-daemon:NAME[:TAG]`: the image exported by the Docker Engine (`GET
//! /images/{name}/get`, what `docker save` streams), read as a `docker save` archive
//! while it arrives. The engine is found as the docker CLI finds it (`DOCKER_HOST`,
//! else the local socket).

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, sync_channel};

use futures::StreamExt;

use crate::archive::{self, Kind};
use crate::{Image, ImageError, Limits, Platform};

/// A chunk of the export stream, or the error that ended it.
type Chunk = Result<Vec<u8>, String>;

/// A reader over chunks sent by the thread that talks to the engine.
struct ChannelReader {
    chunks: Receiver<Chunk>,
    current: Vec<u8>,
    at: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            match self.chunks.recv() {
                Ok(Ok(chunk)) => {
                    self.current = chunk;
                    self.at = 0;
                }
                Ok(Err(message)) => return Err(io::Error::other(message)),
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Reads `name` from the Docker Engine.
pub(crate) fn read(name: &str, platform: &Platform, limits: &Limits) -> Result<Image, ImageError> {
    let docker = bollard::Docker::connect_with_defaults()
        .map_err(|e| ImageError::Daemon(format!("cannot reach the Docker Engine: {e}")))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ImageError::Daemon(e.to_string()))?;
    // Looked up first: a missing image is a clear error, not a broken archive.
    runtime
        .block_on(docker.inspect_image(name))
        .map_err(|e| ImageError::Daemon(format!("the Docker Engine has no image {name:?}: {e}")))?;
    let (sender, chunks) = sync_channel::<Chunk>(16);
    let wanted = name.to_owned();
    let engine = std::thread::spawn(move || {
        runtime.block_on(async move {
            let mut stream = docker.export_image(&wanted);
            while let Some(chunk) = stream.next().await {
                let chunk = chunk
                    .map(|b| b.to_vec())
                    .map_err(|e| format!("the Docker Engine's export failed: {e}"));
                let failed = chunk.is_err();
                // The reader went away (it stopped early): nothing more to send.
                if sender.send(chunk).is_err() || failed {
                    return;
                }
            }
        });
    });
    let reader = ChannelReader {
        chunks,
        current: Vec::new(),
        at: 0,
    };
    let image = archive::read(reader, Kind::Docker, None, platform, limits);
    let _ = engine.join();
    image
}
