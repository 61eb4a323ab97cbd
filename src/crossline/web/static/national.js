// The national picture's map, and the print button of a printable report.
// A plain script (not a module) so that it runs after Leaflet, which the page loads first.
// The content security policy refuses inline styles: areas are coloured by CSS classes.
(function () {
  'use strict'

  function showPrintButton () {
    document.querySelectorAll('.crossline-national-print-button').forEach(function (button) {
      button.hidden = false
      button.addEventListener('click', function () { window.print() })
    })
  }

  function roleOf (area) {
    if (area.exporting && area.importing) return 'both'
    if (area.exporting) return 'exporting'
    if (area.importing) return 'importing'
    return 'none'
  }

  function describe (name, area) {
    if (!area) return name + ': no active lines from or into it'
    return name + ': ' + area.exporting + ' active lines run from it, ' +
      area.importing + ' into it'
  }

  function drawMap (element) {
    if (typeof L === 'undefined') return
    var getJson = function (url) {
      return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (response) {
          if (!response.ok) throw new Error('HTTP ' + response.status)
          return response.json()
        })
    }
    Promise.all([getJson(element.dataset.boundariesUrl), getJson(element.dataset.pictureUrl)])
      .then(function (results) {
        var boundaries = results[0]
        var byCode = {}
        results[1].areas.forEach(function (area) {
          if (area.force.area_code) byCode[area.force.area_code] = area
        })
        // No tile layer: the app calls nothing outside itself.
        var map = L.map(element, { attributionControl: false, scrollWheelZoom: false, zoomSnap: 0.25 })
        var layer = L.geoJSON(boundaries, {
          style: function (feature) {
            var area = byCode[feature.properties.code]
            return { className: 'crossline-national-map__area crossline-national-map__area--' + (area ? roleOf(area) : 'none') }
          },
          onEachFeature: function (feature, path) {
            path.bindTooltip(describe(feature.properties.name, byCode[feature.properties.code]))
          }
        }).addTo(map)
        map.fitBounds(layer.getBounds())
      })
      .catch(function () {
        element.classList.add('crossline-national-map--failed')
        element.textContent = 'The map could not be loaded. The table below gives the same figures.'
      })
  }

  showPrintButton()
  var element = document.getElementById('national-map')
  if (element) drawMap(element)
})()
